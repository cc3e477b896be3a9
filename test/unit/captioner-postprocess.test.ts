import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanCaption, DEFAULT_CLOSING_PATTERNS } from '../../src/core/captioner/local/postprocess.js';

test('trims, removes special tokens and collapses whitespace', () => {
  assert.equal(cleanCaption('</s><s>  A cat   on\na mat .  </s>'), 'A cat on a mat.');
});

test('cuts a word or phrase loop to one occurrence, including a cut-off trailing copy', () => {
  assert.equal(cleanCaption('The wall is red and white and white and white and white and white'), 'The wall is red and white');
  assert.equal(
    cleanCaption('A man holding a large red umbrella, a large red umbrella, a large red umbrella, a large red'),
    'A man holding a large red umbrella',
  );
  assert.equal(cleanCaption('A dog on a beach in the sun on a beach in the sun.'), 'A dog on a beach in the sun.');
});

test('drops a sentence that repeats an earlier one', () => {
  assert.equal(
    cleanCaption('The image shows a kitchen. There is a table. The image shows a kitchen. There is a table. The image shows a kitchen.'),
    'The image shows a kitchen. There is a table.',
  );
});

test('leaves ordinary repetition alone', () => {
  const text = 'A very very old man walks a dog past a dog shop.';
  assert.equal(cleanCaption(text), text);
});

test('drops the stock closing sentence only when asked, and never the only sentence', () => {
  const text = 'A red barn in a field. The overall mood of the image is peaceful and serene.';
  assert.equal(cleanCaption(text), text);
  assert.equal(cleanCaption(text, { dropClosingSentence: true }), 'A red barn in a field.');
  assert.equal(cleanCaption('The overall mood of the image is calm.', { dropClosingSentence: true }), 'The overall mood of the image is calm.');
  assert.equal(cleanCaption('A barn. Overall, the image captures rural life.', { dropClosingSentence: true }), 'A barn.');
  assert.equal(cleanCaption('A barn. It is red.', { dropClosingSentence: true, closingPatterns: ['^it is red'] }), 'A barn.');
  assert.ok(DEFAULT_CLOSING_PATTERNS.length >= 3);
});

// The defect flags' text measurements take fast paths (one pass per caption, no strings made): each must
// say what its plain definition says, on any text. Texts are drawn from fragments that hit the edges:
// stock openings and closings, sentence ends with closing quotes, Unicode spaces and letters, punctuation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cutClosingSentence, hasStockPhrase, stripOpening } from '../../src/core/text/stock-phrases.js';
import { tokenHash, TokenScan } from '../../src/core/text/token-scan.js';
import { repeatedNgramsIn, startsCapitalised, tokensOf, wordCount } from '../../src/core/text/text-features.js';
import { cleanCaptionText } from '../../src/shared/caption-text.js';

const FRAGMENTS = [
  'The image shows', 'the picture depicts', 'This is', 'this is a photo of', 'In this scene,', 'it is an image of', 'in the image we can see',
  'Overall', 'the overall', 'The mood of', 'This scene evokes', 'the atmosphere is',
  'a', 'red', 'barn', 'Barn', 'BARN', "don't", 'e.g.', '3.5', 'café', 'Éclair', 'straße', 'naïve', '日本', '—', '«', '»', '-', ',', '...',
  '.', '!', '?', '."', ".'", '.)', '.]', '?")', '!]',
  ' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', '\u3000',
];
const texts = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(''));
const spaced = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(' '));

test('hasStockPhrase is whether stripOpening or cutClosingSentence would change the text', () => {
  fc.assert(
    fc.property(fc.oneof(texts, spaced), (text) => {
      assert.equal(hasStockPhrase(text), stripOpening(text) !== text || cutClosingSentence(text) !== text, JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
  for (const text of ['The image shows a barn. The overall mood is calm.', 'A barn. Overall calm', 'The image shows ', 'a barn.  ', '"Hi." overall']) {
    assert.equal(hasStockPhrase(text), stripOpening(text) !== text || cutClosingSentence(text) !== text, text);
  }
});

test('TokenScan finds the tokens tokensOf makes (hashes and spans) and counts the words wordCount counts', () => {
  const scan = new TokenScan();
  fc.assert(
    fc.property(fc.oneof(texts, spaced), (text) => {
      scan.scan(text);
      const tokens = tokensOf(text);
      assert.equal(scan.count, tokens.length, JSON.stringify(text));
      for (let k = 0; k < scan.count; k++) {
        assert.equal(scan.hash[k], tokenHash(tokens[k]!));
        assert.equal(text.slice(scan.start[k]!, scan.end[k]!).toLowerCase(), tokens[k]);
      }
      assert.equal(scan.words, wordCount(text));
    }),
    { numRuns: 5000 },
  );
});

test('hasRepeat is whether repeatedNgramsIn finds an n-gram that many times', () => {
  const scan = new TokenScan();
  const words = fc.array(fc.constantFrom('a', 'red', 'Red', 'barn', 'barn.', '"a', 'in', 'field', '—'), { maxLength: 30 }).map((w) => w.join(' '));
  fc.assert(
    fc.property(words, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), (text, n, times) => {
      assert.equal(scan.scan(text).hasRepeat(n, times), repeatedNgramsIn(tokensOf(text), n, times).length > 0, `${n} ${times} ${JSON.stringify(text)}`);
    }),
    { numRuns: 5000 },
  );
});

test('a repetition loop is four tokens in a row that come again, letters compared, not hashes', () => {
  const scan = new TokenScan();
  assert.equal(scan.scan('a cat on a sofa, a cat on a sofa').hasRepeat(4, 2), true);
  assert.equal(scan.scan('A Cat on a sofa: a cat ON A sofa').hasRepeat(4, 2), true);
  assert.equal(scan.scan('a cat on a sofa and a cat on the sofa').hasRepeat(4, 2), false);
  // Equal hashes are not enough: a scan whose hashes all collide still finds no loop in distinct words.
  scan.scan('one two three four five six seven eight');
  scan.hash.fill(7);
  assert.equal(scan.hasRepeat(4, 2), false);
});

test('cleanCaptionText returns a text it would not change as it is, and changes every other as the two replaces do', () => {
  const slow = (text: string) => text.replace(/\r\n|[\r\v\f\x1c-\x1e\x85\u2028\u2029]/g, '\n').replace(/[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]/g, '');
  // Every code unit below U+00A0 and around the line and bidirectional ranges, mixed with plain letters.
  const units = [...Array.from({ length: 0xa0 }, (_, c) => c), 0x2027, 0x2028, 0x2029, 0x202a, 0x202e, 0x202f, 0x2065, 0x2066, 0x2069, 0x206a, 0xfeff];
  const unit = fc.constantFrom(...units.map((c) => String.fromCharCode(c)), 'a', 'é', '日');
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 12 }), (parts) => {
      const text = parts.join('');
      assert.equal(cleanCaptionText(text), slow(text), JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
  for (const c of units) assert.equal(cleanCaptionText(`a${String.fromCharCode(c)}b`), slow(`a${String.fromCharCode(c)}b`), c.toString(16));
});

test('startsCapitalised says what its regular expressions say of the whole text', () => {
  const plain = (text: string) => {
    const letter = /\p{L}/u.exec(text);
    return letter !== null && /[\p{Lu}\p{Lt}]/u.test(letter[0]);
  };
  const piece = fc.constantFrom('"', '(', '1', '42 ', ' ', '\t', '-', '.', 'a', 'A', 'z', 'Z', 'é', 'É', 'ǅ', 'ß', '日', '😀', '\u00a0', '_', '@', '[', '`', '{');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
      const text = parts.join('');
      assert.equal(startsCapitalised(text), plain(text), JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
});

// Normalizers: what each one does to a caption, and that applying them through the store respects who
// owns a caption and can be undone exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyNormalization,
  cutClosingSentence,
  normalizeCaption,
  previewNormalization,
  stripOpening,
  undoNormalization,
  unifyTrailingPeriod,
  type NormalizerSpec,
} from '../../src/core/analysis/index.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord } from '../../src/shared/record.js';

test('strip a stock opening, keeping the capitalisation convention', () => {
  assert.equal(stripOpening('The image shows a red barn in a green field.'), 'A red barn in a green field.');
  assert.equal(stripOpening('the picture depicts two dogs'), 'two dogs');
  assert.equal(stripOpening('This is a photo of a dog.'), 'A dog.');
  assert.equal(stripOpening('this is a cat'), 'a cat');
  assert.equal(stripOpening('In this image, we can see a tree.'), 'A tree.');
  assert.equal(stripOpening('In the image there are three boats.'), 'Three boats.');
  // Not stock openings: left alone.
  assert.equal(stripOpening('The image is a close-up of a cat.'), 'The image is a close-up of a cat.');
  assert.equal(stripOpening('Thistle in bloom'), 'Thistle in bloom');
  assert.equal(stripOpening('This is'), 'This is');
  assert.equal(stripOpening('Mosaic tile', [/^mosaic\s+/i]), 'Tile');
});

test('cut a stock closing sentence only when it is one of several', () => {
  assert.equal(cutClosingSentence('A red barn in a green field. The overall mood is calm.'), 'A red barn in a green field.');
  assert.equal(cutClosingSentence('A beach at dusk. Overall, the image conveys calm.'), 'A beach at dusk.');
  assert.equal(cutClosingSentence('A room. The image evokes a sense of nostalgia.'), 'A room.');
  assert.equal(cutClosingSentence('Overall a fine day.'), 'Overall a fine day.');
  assert.equal(cutClosingSentence('A cat. It sleeps.'), 'A cat. It sleeps.');
});

test('unify the trailing period', () => {
  assert.equal(unifyTrailingPeriod('a cat', 'add'), 'a cat.');
  assert.equal(unifyTrailingPeriod('a cat. ', 'add'), 'a cat. ');
  assert.equal(unifyTrailingPeriod('a cat!', 'add'), 'a cat!');
  assert.equal(unifyTrailingPeriod('a "cat."', 'add'), 'a "cat."');
  assert.equal(unifyTrailingPeriod('a cat.', 'remove'), 'a cat');
  assert.equal(unifyTrailingPeriod('a cat. ', 'remove'), 'a cat');
  assert.equal(unifyTrailingPeriod('wait...', 'remove'), 'wait...');
  assert.equal(unifyTrailingPeriod('', 'add'), '');
});

const ALL: NormalizerSpec[] = [{ kind: 'strip-opening' }, { kind: 'cut-closing' }, { kind: 'trailing-period', mode: 'remove' }];

test('normalizers combine in a fixed order', () => {
  assert.equal(normalizeCaption('The image shows a red barn in a green field. The overall mood is calm.', ALL), 'A red barn in a green field');
  assert.equal(normalizeCaption('a cat', [{ kind: 'trailing-period', mode: 'add' }, { kind: 'strip-opening' }]), 'a cat.');
});

function store(): ManifestStore {
  const s = ManifestStore.fromText('/nowhere', '');
  for (const name of ['model.png', 'approved.png', 'human.png', 'clean.png']) s.put(emptyRecord(name));
  const machine = (name: string, kind: 'ssc' | 'dsc', text: string) =>
    s.writeMachineCaption(name, kind, { text, by: 'model', model: 'florence', at: '2026-01-01T00:00:00Z' });
  machine('model.png', 'dsc', 'The image shows a dog. The overall mood is happy.');
  machine('model.png', 'ssc', 'a dog.');
  machine('approved.png', 'dsc', 'The image shows a boat.');
  s.setReview('approved.png', 'dsc', 'approved');
  s.writeHumanCaption('human.png', 'dsc', 'This is my own text.');
  machine('clean.png', 'dsc', 'A clean caption');
  return s;
}

test('preview leaves out captions a person owns unless asked; apply writes the user edit; undo restores exactly', () => {
  const s = store();
  const preview = previewNormalization(s.records(), ALL);
  assert.deepEqual(
    preview.map((c) => [c.fileName, c.kind, c.after, c.protected]),
    [
      ['model.png', 'ssc', 'a dog', false],
      ['model.png', 'dsc', 'A dog', false],
    ],
  );
  const everything = previewNormalization(s.records(), ALL, { includeProtected: true });
  assert.deepEqual(
    everything.map((c) => [c.fileName, c.kind, c.after, c.protected]),
    [
      ['approved.png', 'dsc', 'A boat', true],
      ['human.png', 'dsc', 'My own text', true],
      ['model.png', 'ssc', 'a dog', false],
      ['model.png', 'dsc', 'A dog', false],
    ],
  );
  const before = JSON.stringify(s.get('model.png'));
  const result = applyNormalization(s, everything);
  assert.equal(result.applied.length, 2);
  assert.deepEqual(result.skipped.map((x) => [x.change.fileName, x.reason]), [
    ['approved.png', 'protected'],
    ['human.png', 'protected'],
  ]);
  const dsc = s.get('model.png')!.dsc!;
  assert.equal(dsc.text, 'A dog');
  assert.equal(dsc.by, 'human');
  assert.equal(dsc.original, 'The image shows a dog. The overall mood is happy.');
  assert.equal(dsc.model, 'florence');
  assert.equal(s.get('approved.png')!.dsc!.text, 'The image shows a boat.');
  assert.equal(s.get('human.png')!.dsc!.text, 'This is my own text.');

  assert.equal(undoNormalization(s, result.applied), 2);
  assert.equal(JSON.stringify(s.get('model.png')), before);

  // The user's explicit choice: protected captions too; new text is not what was approved, so the review goes.
  const forced = applyNormalization(s, everything, { allowProtected: true });
  assert.equal(forced.applied.length, 4);
  assert.equal(s.get('approved.png')!.dsc!.text, 'A boat');
  assert.equal(s.get('approved.png')!.dsc!.review, null);
});

test('a caption edited after the preview is not overwritten', () => {
  const s = store();
  const preview = previewNormalization(s.records(), ALL);
  s.writeHumanCaption('model.png', 'dsc', 'The image shows a dog, edited by hand.');
  const result = applyNormalization(s, preview);
  assert.deepEqual(result.skipped.map((x) => [x.change.fileName, x.change.kind, x.reason]), [['model.png', 'dsc', 'changed-since-preview']]);
  assert.equal(s.get('model.png')!.dsc!.text, 'The image shows a dog, edited by hand.');
  assert.equal(s.get('model.png')!.ssc!.text, 'a dog');
});

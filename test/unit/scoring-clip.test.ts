// Alignment scores through the product's path (transformers.js on ONNX Runtime) with the tiny dual encoder
// of test/fixtures/models/tiny-clip, whose embeddings are colour vectors: expected scores are worked out by
// hand below. Then `recaption score` on a dataset: resume, a text change clears its score, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { ClipScorer, sentencesOf } from '../../src/core/scoring/clip-scorer.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { scoreDataset } from '../../src/core/scoring/score-dataset.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const MODEL = path.resolve(__dirname, '../fixtures/models/tiny-clip');
const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');

async function square(file: string, background: { r: number; g: number; b: number }): Promise<string> {
  await sharp({ create: { width: 32, height: 32, channels: 3, background } }).png().toFile(file);
  return file;
}

// A red image embeds as (2, -1, -1): its normalized mean (1, -1, -1) through the model's colour contrast.
// "red" embeds as (1, 0, 0), "blue" as (0, 0, 1): cosines 2/√6 and -1/√6; no colour word: 0.
const RED_RED = 2 / Math.sqrt(6);
const RED_BLUE = -1 / Math.sqrt(6);

test('a red square scores higher on a red image than a blue square; texts beyond the window: mean over sentences', async () => {
  const dir = await makeTempDir();
  const scorer = await ClipScorer.load({ model: MODEL, device: 'cpu' });
  try {
    assert.equal(scorer.window, 16);
    assert.equal(scorer.modelName, 'tiny-clip');
    const red = await scorer.embedImage(await square(path.join(dir, 'red.png'), { r: 255, g: 0, b: 0 }));
    const blue = await scorer.embedImage(await square(path.join(dir, 'blue.png'), { r: 0, g: 0, b: 255 }));
    const [redOnRed, blueOnRed, plain] = await scorer.scoreTexts(red, ['a red square', 'a blue square', 'a square']);
    assert.ok(Math.abs(redOnRed! - RED_RED) < 1e-5, String(redOnRed));
    assert.ok(Math.abs(blueOnRed! - RED_BLUE) < 1e-5, String(blueOnRed));
    assert.equal(plain, 0);
    const [redOnBlue, blueOnBlue] = await scorer.scoreTexts(blue, ['a red square', 'a blue square']);
    assert.ok(blueOnBlue! > redOnBlue!);
    // 3 sentences, 20 tokens with <s> and </s>: over the 16-token window, so each sentence is scored alone.
    const long = 'A red square. A blue square on white. The red square is on the white background.';
    assert.deepEqual(sentencesOf(long), ['A red square.', 'A blue square on white.', 'The red square is on the white background.']);
    const [mean] = await scorer.scoreTexts(red, [long]);
    assert.ok(Math.abs(mean! - (2 * RED_RED + RED_BLUE) / 3) < 1e-5, String(mean));
  } finally {
    await scorer.dispose();
    await removeDir(dir);
  }
});

test('recaption score writes a score per text and the model; resumes; an edited text loses its score', async () => {
  const dir = await makeTempDir();
  try {
    await square(path.join(dir, 'red.png'), { r: 255, g: 0, b: 0 });
    await square(path.join(dir, 'blue.png'), { r: 0, g: 0, b: 255 });
    await fs.writeFile(path.join(dir, 'broken.png'), 'not an image');
    const store = await ManifestStore.open(dir);
    for (const name of ['blue.png', 'broken.png', 'red.png']) {
      store.put({ ...emptyRecord(name), alt: { text: 'a red thing', source: 'sidecar' } });
      store.writeMachineCaption(name, 'ssc', { text: 'a blue square', by: 'model', model: 'm' });
      store.writeMachineCaption(name, 'dsc', { text: 'A red square on a white background.', by: 'model', model: 'm' });
    }
    store.setReview('red.png', 'dsc', 'approved');
    await store.save();
    store.close();
    const run = (...args: string[]) => spawnSync(tsx, [cli, 'score', dir, '--model', MODEL, '--device', 'cpu', ...args], { encoding: 'utf8' });
    const first = run();
    assert.equal(first.status, 1, first.stderr); // broken.png cannot be read
    assert.match(first.stderr, /scoring with tiny-clip \(fp32\) on cpu, text window 16 tokens/);
    assert.match(first.stderr, /scored 6 texts of 2 images; 0 already scored; 1 could not be read/);
    assert.match(first.stderr, /broken\.png: cannot score/);
    let scored = await ManifestStore.open(dir);
    const red = scored.get('red.png')!;
    assert.equal(red.score_model, 'tiny-clip');
    assert.ok(red.alt!.score! > 0.8 && red.ssc!.score! < 0 && red.dsc!.score! > 0.8);
    // A score is data beside the text: the review and the author stay.
    assert.equal(red.dsc!.review, 'approved');
    assert.equal(red.dsc!.by, 'model');
    assert.ok(scored.get('blue.png')!.ssc!.score! > 0.8);
    assert.match(scored.get('broken.png')!.error!, /cannot score/);
    // A person edits one caption: its score goes, the others stay.
    scored.writeHumanCaption('blue.png', 'ssc', 'a red square');
    assert.equal(scored.get('blue.png')!.ssc!.score, undefined);
    assert.ok(scored.get('blue.png')!.dsc!.score !== undefined);
    await scored.save();
    scored.close();
    const again = run();
    assert.match(again.stderr, /scored 1 texts of 1 images; 1 already scored; 0 could not be read/);
    assert.equal(again.status, 0, again.stderr);
    scored = await ManifestStore.open(dir);
    assert.ok(scored.get('blue.png')!.ssc!.score! < 0);
    scored.close();
  } finally {
    await removeDir(dir);
  }
});

test('a scoring model that is missing a file or is not a dual encoder is a clear error naming it', async () => {
  const dir = await makeTempDir();
  try {
    const model = path.join(dir, 'half-clip');
    await fs.cp(MODEL, model, { recursive: true });
    await fs.rm(path.join(model, 'onnx', 'vision_model.onnx'));
    await assert.rejects(ClipScorer.load({ model, device: 'cpu' }), /vision_model\.onnx/);
    await assert.rejects(ClipScorer.load({ model: path.resolve(__dirname, '../fixtures/models/tiny-florence2'), device: 'cpu' }), /model_type "florence2" is not supported; supported families: clip/);
  } finally {
    await removeDir(dir);
  }
});

test('scores through an open editor\'s model: the saved texts get theirs, an unsaved edit stays unsaved and unscored', async () => {
  const dir = await makeTempDir();
  const scorer = await ClipScorer.load({ model: MODEL, device: 'cpu' });
  try {
    await square(path.join(dir, 'red.png'), { r: 255, g: 0, b: 0 });
    const store = await ManifestStore.open(dir);
    store.put(emptyRecord('red.png'));
    store.writeMachineCaption('red.png', 'ssc', { text: 'a red square', by: 'model', model: 'm' });
    store.writeMachineCaption('red.png', 'dsc', { text: 'A blue square.', by: 'model', model: 'm' });
    await store.save();
    store.close();
    const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
    await model.ready;
    model.edit('Edit DSC', (e) => e.writeHumanCaption('red.png', 'dsc', 'A red square, typed by a person.'));
    const report = await scoreDataset(model.runAccess(), scorer);
    // The SSC is scored; the DSC shown is the unsaved edit, which is not the saved text: nothing set.
    assert.equal(report.scoredTexts, 1);
    assert.ok(model.hasUnsavedEdits);
    assert.equal(model.get('red.png')!.dsc!.text, 'A red square, typed by a person.');
    const onDisk = await ManifestStore.open(dir);
    assert.ok(Math.abs(onDisk.get('red.png')!.ssc!.score! - RED_RED) < 1e-4);
    assert.equal(onDisk.get('red.png')!.dsc!.score, undefined);
    onDisk.close();
    await model.save();
    const saved = await ManifestStore.open(dir);
    assert.equal(saved.get('red.png')!.dsc!.text, 'A red square, typed by a person.');
    assert.equal(saved.get('red.png')!.dsc!.score, undefined);
    assert.ok(saved.get('red.png')!.ssc!.score !== undefined);
    saved.close();
    model.dispose();
  } finally {
    await scorer.dispose();
    await removeDir(dir);
  }
});

test('an image that leads outside the dataset is not scored: its record says why', async () => {
  const dir = await makeTempDir('recaption-score-link-');
  const outside = await makeTempDir('recaption-score-outside-');
  try {
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 220, g: 10, b: 10 } } }).png().toFile(path.join(outside, 'private.png'));
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 220, g: 10, b: 10 } } }).png().toFile(path.join(dir, 'in.png'));
    await fs.symlink(path.join(outside, 'private.png'), path.join(dir, 'out.png'));
    const store = await ManifestStore.open(dir);
    for (const name of ['in.png', 'out.png']) store.put({ ...emptyRecord(name), alt: { text: 'a red square', source: 'sidecar' } });
    await store.save();
    const scorer = await ClipScorer.load({ model: MODEL, device: 'cpu' });
    try {
      const report = await scoreDataset(store, scorer);
      assert.equal(report.scoredImages, 1);
      assert.deepEqual(report.failed.map((f) => f.fileName), ['out.png']);
      assert.match(store.get('out.png')!.error ?? '', /^cannot score: out\.png leads to .*private\.png, outside the dataset folder; not read/);
      assert.equal(store.get('out.png')!.alt!.score, undefined);
    } finally {
      await scorer.dispose();
      store.close();
    }
  } finally {
    await removeDir(dir);
    await removeDir(outside);
  }
});

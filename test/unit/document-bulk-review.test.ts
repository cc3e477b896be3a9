// Bulk review in the edit model: many captions reviewed as one undoable edit held in the compact review
// layer, through every path that reads or writes the document (queries, counts, save, undo after save,
// runs, backups, a change on disk), over real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CaptionEditModel, type CaptionEdit } from '../../src/core/document/caption-edit-model.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME, type ManifestRecord } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { countRecords } from '../../src/core/dataset/query.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';

const COUNT = 1200; // above the point where changes are announced as a reset rather than by name
const nameOf = (i: number) => `img-${String(i).padStart(5, '0')}.png`;

async function setup(): Promise<{ dir: string; file: string; model: CaptionEditModel; stack: CaptionEdit[]; resets: number[] }> {
  const dir = await makeTempDir('recaption-bulk-');
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < COUNT; i++) {
    const name = nameOf(i);
    store.put({ ...emptyRecord(name), width: 8, height: 8, sha256: 'a'.repeat(64) });
    for (const kind of ['ssc', 'dsc'] as const) store.writeMachineCaption(name, kind, { text: `model ${kind} of ${name}`, by: 'model', model: 'm', at: '2026-01-01T00:00:00Z' });
  }
  // A person already rejected one DSC: a bulk approve must not flip it.
  store.setReview(nameOf(5), 'dsc', 'rejected');
  await store.save();
  const file = path.join(dir, MANIFEST_NAME);
  const model = await CaptionEditModel.open(file);
  await model.ready;
  const stack: CaptionEdit[] = [];
  model.onDidEdit((e) => stack.push(e));
  const resets: number[] = [];
  model.onDidReset(() => resets.push(Date.now()));
  return { dir, file, model, stack, resets };
}

const allRows = (model: CaptionEditModel) => Int32Array.from({ length: model.size }, (_, i) => i);

async function fileRecords(dir: string): Promise<ManifestRecord[]> {
  const store = await ManifestStore.open(dir);
  const out = [...store.records()];
  store.close();
  return out;
}

test('bulk approve: one undoable edit that keeps a rejection, shows in get, facts, counts and filters, and undoes in one step', async () => {
  const { dir, model, stack, resets } = await setup();
  try {
    const result = model.reviewMany('Approve', allRows(model), ['ssc', 'dsc'], 'approved');
    assert.deepEqual(result, { changed: COUNT * 2 - 1, kept: 1 });
    assert.equal(stack.length, 1, 'one undo step');
    assert.ok(resets.length >= 1, 'a change of many records is announced as a reset');
    assert.equal(model.hasUnsavedEdits, true);
    assert.equal(model.unsavedEdits().length, 0, 'nothing went into the whole-caption overlay');
    assert.equal(model.unsavedReviews().length, COUNT * 2 - 1);
    assert.equal(model.get(nameOf(0))!.ssc!.review, 'approved');
    assert.equal(model.get(nameOf(5))!.dsc!.review, 'rejected', "a person's rejection stays");
    assert.equal(model.factsAt(3).dsc!.review, 'approved');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    assert.equal(model.getCounts().approved, COUNT - 1);
    assert.equal(model.matchPositions({ ...EMPTY_QUERY, review: 'unreviewed' }).length, 0);
    assert.equal(model.matchPositions({ ...EMPTY_QUERY, review: 'rejected' }).length, 1);
    assert.equal(model.matchPositions({ ...EMPTY_QUERY, review: 'approved', text: 'dsc of img-0000' }).length, 10);

    stack[0]!.undo();
    assert.equal(model.hasUnsavedEdits, false, 'undo back to the saved state leaves nothing unsaved');
    assert.equal(model.get(nameOf(0))!.ssc!.review, null);
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    stack[0]!.redo();
    assert.equal(model.get(nameOf(7))!.dsc!.review, 'approved');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

test('bulk review saves every review, holds no record afterwards, and an undo after the save restores the old reviews', async () => {
  const { dir, model, stack } = await setup();
  try {
    model.reviewMany('Reject SSC', Int32Array.from([0, 1, 2, 3]), ['ssc'], 'rejected');
    model.reviewMany('Approve', allRows(model), ['ssc', 'dsc'], 'approved');
    await model.save();
    assert.equal(model.hasUnsavedEdits, false);
    assert.equal(model.heldRecords, 0, 'the saved reviews are read back from the file, not held');
    const saved = await fileRecords(dir);
    assert.equal(saved.filter((r) => r.ssc!.review === 'rejected').length, 4);
    assert.equal(saved.filter((r) => r.dsc!.review === 'approved').length, COUNT - 1);
    assert.equal(saved.find((r) => r.file_name === nameOf(5))!.dsc!.review, 'rejected');
    assert.equal(saved.filter((r) => r.ssc!.review === 'approved').length, COUNT - 4, 'the rejections made first were kept by the approve');
    assert.deepEqual(model.getCounts(), countRecords(saved), 'the columns hold what was written');
    assert.equal(model.matchPositions({ ...EMPTY_QUERY, review: 'unreviewed' }).length, 0);

    stack[1]!.undo();
    assert.equal(model.get(nameOf(9))!.ssc!.review, null, 'undo after a save shows the old review again');
    assert.equal(model.get(nameOf(1))!.ssc!.review, 'rejected');
    assert.equal(model.hasUnsavedEdits, true, 'and that is an unsaved change against the saved file');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    await model.save();
    const again = await fileRecords(dir);
    assert.equal(again.filter((r) => r.ssc!.review === null).length, COUNT - 4);
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

test('a caption with a text edit takes the bulk review in its overlay entry, and undo of the bulk review keeps the text edit', async () => {
  const { dir, model, stack } = await setup();
  try {
    model.edit('Edit', (e) => e.writeHumanCaption(nameOf(2), 'ssc', 'my own words'));
    model.reviewMany('Approve', allRows(model), ['ssc'], 'approved');
    assert.deepEqual({ text: model.get(nameOf(2))!.ssc!.text, review: model.get(nameOf(2))!.ssc!.review }, { text: 'my own words', review: 'approved' });
    stack[1]!.undo();
    assert.deepEqual({ text: model.get(nameOf(2))!.ssc!.text, review: model.get(nameOf(2))!.ssc!.review }, { text: 'my own words', review: null });
    assert.equal(model.get(nameOf(3))!.ssc!.review, null);
    stack[1]!.redo();
    // A single review over a bulk-reviewed caption goes to the overlay, and its undo gives the bulk review back.
    model.edit('Reject', (e) => e.setReview(nameOf(4), 'ssc', 'rejected'));
    assert.equal(model.get(nameOf(4))!.ssc!.review, 'rejected');
    stack[2]!.undo();
    assert.equal(model.get(nameOf(4))!.ssc!.review, 'approved');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

test('a run does not overwrite a caption with an unsaved bulk review; a backup of the reviews restores them', async () => {
  const { dir, file, model } = await setup();
  try {
    model.reviewMany('Approve', Int32Array.from([0, 1]), ['dsc'], 'approved');
    const run = model.runAccess();
    assert.equal(run.writeMachineCaption(nameOf(0), 'dsc', { text: 'a rerun', by: 'model', model: 'm' }), 'protected');
    assert.equal(run.writeMachineCaption(nameOf(0), 'ssc', { text: 'a rerun', by: 'model', model: 'm' }), 'written');
    const backup = model.unsavedReviews();
    model.dispose();

    const reopened = await CaptionEditModel.open(file);
    await reopened.ready;
    assert.equal(reopened.restoreUnsaved([], backup), 2);
    assert.equal(reopened.get(nameOf(1))!.dsc!.review, 'approved');
    assert.equal(reopened.getCounts().approved, 0, 'SSCs are still unreviewed');
    assert.equal(reopened.matchPositions({ ...EMPTY_QUERY, field: 'dsc', review: 'approved' }).length, 2);
    reopened.dispose();
  } finally {
    await removeDir(dir);
  }
});

test('a change on disk keeps the unsaved reviews of captions it left alone and drops those of captions it rewrote', async () => {
  const { dir, model } = await setup();
  try {
    model.reviewMany('Approve', Int32Array.from([0, 1, 2]), ['dsc'], 'approved');
    const store = await ManifestStore.open(dir);
    store.writeHumanCaption(nameOf(1), 'dsc', 'a teammate rewrote this one');
    store.put({ ...emptyRecord('aaa-new.png'), width: 8, height: 8, sha256: 'b'.repeat(64) });
    const tmp = path.join(dir, 'elsewhere.tmp');
    await fs.writeFile(tmp, store.serialize());
    store.close();
    await fs.rename(tmp, path.join(dir, MANIFEST_NAME));
    await model.mergeFromDisk();
    assert.equal(model.get(nameOf(0))!.dsc!.review, 'approved', 'kept, though every row moved by one');
    assert.equal(model.get(nameOf(1))!.dsc!.review, null, 'dropped: the caption reviewed is not the one on disk');
    assert.equal(model.get(nameOf(2))!.dsc!.review, 'approved');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    await model.save();
    const saved = await fileRecords(dir);
    assert.equal(saved.filter((r) => r.dsc?.review === 'approved').length, 2);
    assert.equal(saved.length, COUNT + 1);
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

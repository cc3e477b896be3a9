// The caption document's edit model (src/core/document), with no VS Code: edit, undo, redo, save,
// revert, backups, runs through the same model, and changes on disk, over real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CaptionEditModel, type CaptionEdit } from '../../src/core/document/caption-edit-model.js';
import { ManifestRegistry } from '../../src/core/document/manifest-registry.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME, type CaptionKind } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { countRecords } from '../../src/core/dataset/query.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';

const NAMES = ['a.png', 'b.png', 'c.png'];

/** A manifest of three images with machine captions, and a model opened on it with its undo stack. */
async function setup(): Promise<{ dir: string; file: string; model: CaptionEditModel; stack: CaptionEdit[] }> {
  const dir = await makeTempDir('recaption-model-');
  const store = await ManifestStore.open(dir);
  for (const name of NAMES) {
    store.put({ ...emptyRecord(name), width: 8, height: 8, sha256: 'a'.repeat(64) });
    for (const kind of ['ssc', 'dsc'] as const) store.writeMachineCaption(name, kind, { text: `model ${kind} of ${name}`, by: 'model', model: 'm', at: '2026-01-01T00:00:00Z' });
  }
  await store.save();
  const file = path.join(dir, MANIFEST_NAME);
  const model = await CaptionEditModel.open(file);
  await model.ready;
  const stack: CaptionEdit[] = [];
  model.onDidEdit((e) => stack.push(e));
  return { dir, file, model, stack };
}

/** Another program writes the manifest (a teammate's git pull): a new file renamed over the old one. */
async function writeOnDisk(dir: string, change: (store: ManifestStore) => void): Promise<void> {
  const store = await ManifestStore.open(dir);
  change(store);
  const tmp = path.join(dir, 'elsewhere.tmp');
  await fs.writeFile(tmp, store.serialize());
  await fs.rename(tmp, path.join(dir, MANIFEST_NAME));
}

async function onDisk(dir: string, name: string, kind: CaptionKind) {
  return (await ManifestStore.open(dir)).get(name)![kind];
}

const type = (model: CaptionEditModel, name: string, kind: CaptionKind, text: string) =>
  model.edit(`Edit ${kind}`, (e) => e.writeHumanCaption(name, kind, text));

test('edit, undo, the file changes on disk, merge: the disk value stands, and a later save keeps it', async () => {
  const { dir, model, stack } = await setup();
  try {
    type(model, 'a.png', 'dsc', 'my edit');
    assert.equal(model.hasUnsavedEdits, true);
    stack.pop()!.undo();
    assert.equal(model.hasUnsavedEdits, false, 'undo back to the saved value leaves nothing unsaved');
    assert.deepEqual(model.unsavedEdits(), []);

    await writeOnDisk(dir, (s) => s.writeHumanCaption('a.png', 'dsc', "the teammate's edit"));
    assert.equal(await model.changedOnDisk(), true);
    assert.deepEqual(await model.mergeFromDisk(), []);
    assert.equal(model.get('a.png')!.dsc!.text, "the teammate's edit");

    type(model, 'b.png', 'dsc', 'edit of b');
    assert.deepEqual(model.unsavedEdits().map((e) => e.fileName), ['b.png'], 'a backup now holds b only');
    await model.save();
    assert.equal((await onDisk(dir, 'a.png', 'dsc'))!.text, "the teammate's edit");
    assert.equal((await onDisk(dir, 'b.png', 'dsc'))!.text, 'edit of b');
    assert.equal(model.hasUnsavedEdits, false);
  } finally {
    await removeDir(dir);
  }
});

test('edit, the file changes on disk under it, undo: the disk value shows through and nothing is unsaved', async () => {
  const { dir, model, stack } = await setup();
  try {
    type(model, 'a.png', 'dsc', 'my edit');
    await writeOnDisk(dir, (s) => s.writeMachineCaption('a.png', 'dsc', { text: 'a newer model caption', by: 'model', model: 'm2' }));
    assert.deepEqual(await model.mergeFromDisk(), []);
    assert.equal(model.get('a.png')!.dsc!.text, 'my edit', 'my edit stays on top of a machine change');
    stack.pop()!.undo();
    assert.equal(model.get('a.png')!.dsc!.text, 'a newer model caption');
    assert.equal(model.hasUnsavedEdits, false);
  } finally {
    await removeDir(dir);
  }
});

test('save merges a change on disk first even when nobody asked for a merge', async () => {
  const { dir, model, stack } = await setup();
  try {
    type(model, 'a.png', 'dsc', 'my edit');
    stack.pop()!.undo();
    await writeOnDisk(dir, (s) => s.writeHumanCaption('a.png', 'dsc', "the teammate's edit"));
    type(model, 'b.png', 'ssc', 'edit of b');
    await model.save();
    assert.equal((await onDisk(dir, 'a.png', 'dsc'))!.text, "the teammate's edit");
    assert.equal((await onDisk(dir, 'b.png', 'ssc'))!.text, 'edit of b');
  } finally {
    await removeDir(dir);
  }
});

test('unsaved is exact through undo and redo, before and after a save', async () => {
  const { dir, model, stack } = await setup();
  try {
    const original = model.get('a.png')!.ssc;
    type(model, 'a.png', 'ssc', 'one');
    type(model, 'a.png', 'ssc', 'two');
    const [first, second] = stack;
    second!.undo();
    assert.equal(model.get('a.png')!.ssc!.text, 'one');
    first!.undo();
    assert.deepEqual(model.get('a.png')!.ssc, original);
    assert.equal(model.hasUnsavedEdits, false);
    first!.redo();
    second!.redo();
    assert.equal(model.get('a.png')!.ssc!.text, 'two');
    await model.save();
    assert.equal(model.hasUnsavedEdits, false);
    // Undo after the save: the saved file has "two", so "one" is an unsaved edit again.
    second!.undo();
    assert.equal(model.get('a.png')!.ssc!.text, 'one');
    assert.equal(model.hasUnsavedEdits, true);
    second!.redo();
    assert.equal(model.hasUnsavedEdits, false, 'redo back to the saved value');
    first!.undo();
    assert.deepEqual(model.get('a.png')!.ssc, original);
    assert.equal(model.hasUnsavedEdits, true);
  } finally {
    await removeDir(dir);
  }
});

test('one edit over several captions is one undo; an edit that changes nothing is no step', async () => {
  const { dir, model, stack } = await setup();
  try {
    model.edit('Replace', (e) => {
      e.writeHumanCaption('a.png', 'ssc', 'x');
      e.writeHumanCaption('b.png', 'dsc', 'y');
      e.setReview('c.png', 'ssc', 'approved');
    });
    assert.equal(stack.length, 1);
    assert.equal(model.getCounts().approved, 0, 'c.png has an unreviewed DSC');
    assert.equal(model.getCounts().edited, 2);
    stack[0]!.undo();
    assert.equal(model.hasUnsavedEdits, false);
    assert.equal(model.getCounts().machine, 3);
    model.edit('Nothing', (e) => e.writeHumanCaption('a.png', 'ssc', model.get('a.png')!.ssc!.text));
    assert.equal(stack.length, 1);
  } finally {
    await removeDir(dir);
  }
});

test('a backup is the overlay: restored into a fresh model it gives the same captions', async () => {
  const { dir, file, model } = await setup();
  try {
    type(model, 'a.png', 'ssc', 'unsaved a');
    model.edit('Reject', (e) => e.setReview('b.png', 'dsc', 'rejected'));
    const backup = JSON.parse(JSON.stringify(model.unsavedEdits()));
    const reopened = await CaptionEditModel.open(file);
    await reopened.ready;
    assert.equal(reopened.restoreUnsaved(backup), 2);
    assert.equal(reopened.get('a.png')!.ssc!.text, 'unsaved a');
    assert.equal(reopened.get('b.png')!.dsc!.review, 'rejected');
    assert.equal(reopened.hasUnsavedEdits, true);
    assert.equal((await onDisk(dir, 'a.png', 'ssc'))!.by, 'model', 'nothing was written');
  } finally {
    await removeDir(dir);
  }
});

test('revert drops the unsaved edits and reads the file again', async () => {
  const { dir, model, stack } = await setup();
  try {
    type(model, 'a.png', 'ssc', 'to be reverted');
    await model.revert();
    assert.equal(model.hasUnsavedEdits, false);
    assert.equal(model.get('a.png')!.ssc!.by, 'model');
    // Redo after a revert puts the edit back as an unsaved edit.
    stack[0]!.redo();
    assert.equal(model.get('a.png')!.ssc!.text, 'to be reverted');
    assert.equal(model.hasUnsavedEdits, true);
  } finally {
    await removeDir(dir);
  }
});

test('a person changed on disk what I changed unsaved: a conflict I decide, and save waits for it', async () => {
  const { dir, model } = await setup();
  try {
    type(model, 'a.png', 'ssc', 'mine');
    type(model, 'b.png', 'ssc', 'mine too');
    await writeOnDisk(dir, (s) => {
      s.writeHumanCaption('a.png', 'ssc', 'theirs');
      // A machine's change on disk under my edit is no conflict: my edit stays on top.
      s.writeMachineCaption('b.png', 'ssc', { text: 'a newer model caption', by: 'model', model: 'm2' });
    });
    const conflicts = await model.mergeFromDisk();
    assert.deepEqual(conflicts.map((c) => [c.fileName, c.mine?.text, c.theirs?.text]), [['a.png', 'mine', 'theirs']]);
    assert.equal(model.get('a.png')!.ssc!.text, 'mine', 'mine stays on top until decided');
    assert.equal(model.get('b.png')!.ssc!.text, 'mine too');
    await assert.rejects(model.save(), /changed both here and on disk/);
    assert.equal((await onDisk(dir, 'a.png', 'ssc'))!.text, 'theirs', 'nothing written while undecided');
    model.resolveConflict('a.png', 'ssc', 'theirs');
    assert.equal(model.get('a.png')!.ssc!.text, 'theirs');
    await model.save();
    assert.equal((await onDisk(dir, 'a.png', 'ssc'))!.text, 'theirs');
    assert.equal((await onDisk(dir, 'b.png', 'ssc'))!.text, 'mine too');
  } finally {
    await removeDir(dir);
  }
});

test('keeping mine over a conflict writes mine', async () => {
  const { dir, model } = await setup();
  try {
    type(model, 'a.png', 'dsc', 'mine');
    await writeOnDisk(dir, (s) => s.writeHumanCaption('a.png', 'dsc', 'theirs'));
    assert.equal((await model.mergeFromDisk()).length, 1);
    model.resolveConflict('a.png', 'dsc', 'mine');
    await model.save();
    assert.equal((await onDisk(dir, 'a.png', 'dsc'))!.text, 'mine');
  } finally {
    await removeDir(dir);
  }
});

test('a run writes through the same model: never over an unsaved edit, its checkpoints hold the base only', async () => {
  const { dir, model } = await setup();
  try {
    type(model, 'a.png', 'dsc', 'unsaved human');
    const run = model.runAccess();
    assert.equal(run.get('a.png')!.dsc!.text, 'unsaved human', 'a run sees the unsaved edit');
    assert.equal(run.writeMachineCaption('a.png', 'dsc', { text: 'model again', by: 'model', model: 'm' }), 'protected');
    assert.equal(run.writeMachineCaption('b.png', 'dsc', { text: 'new model text', by: 'model', model: 'm' }), 'written');
    run.setError('c.png', 'could not decode');
    // A scan's put never changes captions.
    run.put({ ...run.get('a.png')!, width: 16 });
    assert.equal(model.get('a.png')!.dsc!.text, 'unsaved human');
    assert.equal(model.get('a.png')!.width, 16);
    await run.save();
    assert.equal((await onDisk(dir, 'a.png', 'dsc'))!.by, 'model', 'the checkpoint did not write the unsaved edit');
    assert.equal((await onDisk(dir, 'b.png', 'dsc'))!.text, 'new model text');
    assert.equal(await model.changedOnDisk(), false, 'the model knows its own write');
    assert.equal(model.hasUnsavedEdits, true);
    await model.save();
    assert.equal((await onDisk(dir, 'a.png', 'dsc'))!.text, 'unsaved human');
    assert.equal((await onDisk(dir, 'b.png', 'dsc'))!.text, 'new model text');
    assert.equal((await ManifestStore.open(dir)).get('c.png')!.error, 'could not decode');
  } finally {
    await removeDir(dir);
  }
});

test('what a run wrote but had not checkpointed survives a merge from disk', async () => {
  const { dir, model } = await setup();
  try {
    const run = model.runAccess();
    run.writeMachineCaption('a.png', 'ssc', { text: 'from the run', by: 'model', model: 'm' });
    await writeOnDisk(dir, (s) => s.writeHumanCaption('b.png', 'ssc', 'written elsewhere'));
    await run.save();
    assert.equal((await onDisk(dir, 'a.png', 'ssc'))!.text, 'from the run');
    assert.equal((await onDisk(dir, 'b.png', 'ssc'))!.text, 'written elsewhere', 'the checkpoint did not write over the other change');
  } finally {
    await removeDir(dir);
  }
});

test('records changed by edits and runs are announced; a run\'s are coalesced', async () => {
  const { dir, model } = await setup();
  try {
    const seen: string[][] = [];
    model.onDidChangeRecords((names) => seen.push([...names]));
    type(model, 'a.png', 'ssc', 'x');
    assert.deepEqual(seen, [['a.png']]);
    const run = model.runAccess();
    run.setError('b.png', 'e');
    run.setError('c.png', 'e');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen[1]?.sort(), ['b.png', 'c.png']);
    assert.equal(model.getCounts().error, 2);
  } finally {
    await removeDir(dir);
  }
});

test('the registry hands one model per manifest to every holder and drops it after the last release', async () => {
  const { dir, file } = await setup();
  try {
    const registry = new ManifestRegistry();
    const [editor, run] = await Promise.all([registry.acquire(file), registry.acquire(path.join(dir, '.', MANIFEST_NAME))]);
    assert.equal(editor.model, run.model);
    assert.equal(registry.find(file), editor.model);
    editor.release();
    editor.release();
    assert.equal(registry.find(file), run.model, 'a double release does not drop the other holder');
    run.release();
    assert.equal(registry.find(file), undefined);
    assert.equal(registry.openCount, 0);
  } finally {
    await removeDir(dir);
  }
});

test('filters, facts and counts see the unsaved edits on top of the indexed base', async () => {
  const { dir, model, stack } = await setup();
  try {
    type(model, 'b.png', 'dsc', 'a kite, typed by a person');
    model.edit('Approve', (e) => e.setReview('c.png', 'ssc', 'approved'));
    const query = { ...EMPTY_QUERY, text: 'kite' };
    assert.deepEqual([...model.matchPositions(query)], [1]);
    assert.deepEqual([...model.matchPositions({ ...EMPTY_QUERY, author: 'human' })], [1]);
    assert.deepEqual([...model.matchPositions({ ...EMPTY_QUERY, review: 'approved', field: 'ssc' })], [2]);
    assert.equal(model.factsAt(1).dsc!.by, 'human');
    assert.equal(model.positionOf('c.png'), 2);
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    // Undone, the base shows through again: the search no longer finds the unsaved text.
    stack[0]!.undo();
    assert.deepEqual([...model.matchPositions(query)], []);
    assert.equal(model.factsAt(1).dsc!.by, 'model');
    assert.deepEqual(model.getCounts(), countRecords(model.records()));
    await model.save();
    assert.equal((await onDisk(dir, 'c.png', 'ssc'))!.review, 'approved');
    assert.deepEqual([...model.matchPositions({ ...EMPTY_QUERY, review: 'approved', field: 'ssc' })], [2]);
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

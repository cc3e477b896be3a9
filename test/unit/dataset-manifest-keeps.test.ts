// What a save keeps, and what an edit resets: a byte-order mark stays, and a caption whose text a person
// changes is no longer approved (nobody approved the new text), through every path that edits text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { applyNormalization, previewNormalization } from '../../src/core/analysis/normalizers.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

test('a manifest that starts with a byte-order mark keeps it on save', async () => {
  const dir = await makeTempDir();
  try {
    const file = path.join(dir, MANIFEST_NAME);
    const line = JSON.stringify({ ...emptyRecord('a.png'), ssc: { text: 'x', by: 'model', review: null } });
    await fs.writeFile(file, `\uFEFF${line}\r\n`);
    const store = await ManifestStore.open(dir);
    assert.equal(store.problems.length, 0);
    store.writeHumanCaption('a.png', 'ssc', 'y');
    await store.save();
    const bytes = await fs.readFile(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the BOM is kept');
    assert.ok(bytes.toString('utf8').endsWith('\r\n'), 'CRLF is kept');
    assert.equal((await ManifestStore.open(dir)).get('a.png')!.ssc!.text, 'y');
  } finally {
    await removeDir(dir);
  }
});

async function approvedDataset(dir: string): Promise<ManifestStore> {
  const store = await ManifestStore.open(dir);
  store.put(emptyRecord('a.png'));
  store.writeMachineCaption('a.png', 'dsc', { text: 'The image shows a red square.', by: 'model', model: 'm' });
  store.setReview('a.png', 'dsc', 'approved');
  await store.save();
  return store;
}

test('changing the text of an approved caption clears its review: store, editor edit, find & replace, normalize', async () => {
  const dir = await makeTempDir();
  try {
    const store = await approvedDataset(dir);
    store.writeHumanCaption('a.png', 'dsc', 'a red square');
    assert.equal(store.get('a.png')!.dsc!.review, null);

    await approvedDataset(dir);
    const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
    await model.ready;
    model.edit('Edit', (e) => e.writeHumanCaption('a.png', 'dsc', 'a red square, edited'));
    assert.equal(model.get('a.png')!.dsc!.review, null);
    // Edit then approve in one go (the editor's approve key after typing) approves the new text.
    model.edit('Approve', (e) => e.setReview('a.png', 'dsc', 'approved'));
    assert.equal(model.get('a.png')!.dsc!.review, 'approved');

    const normalized = await approvedDataset(dir);
    const changes = previewNormalization(normalized.records(), [{ kind: 'strip-opening' }], { kinds: ['dsc'], includeProtected: true });
    assert.equal(applyNormalization(normalized, changes, { allowProtected: true }).applied.length, 1);
    assert.equal(normalized.get('a.png')!.dsc!.review, null);
  } finally {
    await removeDir(dir);
  }
});

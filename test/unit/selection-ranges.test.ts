// Issue 24 item 7: a bulk action's row ranges come from the webview. They are merged (overlapping or
// repeated ranges count once) and checked against what the filter shows before they are expanded, so a
// forged message naming the same rows many times, or rows far past the end, expands to nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { QueryIndex, SelectionError } from '../../src/core/dataset/query-index.js';
import { mergeRanges, MAX_SELECTION_RANGES, type Range } from '../../src/shared/range-set.js';
import { checkRequest } from '../../src/shared/protocol.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

test('ranges are merged: overlapping, touching, repeated and unsorted ranges cover each position once', () => {
  assert.deepEqual(mergeRanges([[10, 20], [0, 5], [5, 8], [15, 30], [0, 5], [40, 41], [3, 4]]), [[0, 8], [10, 30], [40, 41]]);
  assert.deepEqual(mergeRanges([]), []);
});

test('a bulk action expands merged ranges within the rows the filter shows, and refuses ranges past them', async () => {
  const dir = await makeTempDir('recaption-ranges-');
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < 300; i++) {
    const name = `img-${String(i).padStart(3, '0')}.png`;
    store.put({ ...emptyRecord(name), width: 8, height: 8 });
    store.writeMachineCaption(name, 'ssc', { text: i % 2 ? 'an odd cat' : 'an even dog', by: 'model', model: 'm' });
  }
  await store.save();
  store.close();
  const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
  await model.ready;
  try {
    const index = new QueryIndex();
    const query = { ...EMPTY_QUERY, text: 'odd' };
    // A forged message: the whole list named as many times as a message may hold ranges.
    const forged: Range[] = Array.from({ length: MAX_SELECTION_RANGES }, () => [0, 150] as const);
    assert.equal(checkRequest({ method: 'bulkReview', params: { query, ranges: forged, kinds: ['ssc'], review: 'approved' } }), null, 'the shape is fine');
    const rows = index.rowsOf(model, model.generation, query, forged);
    assert.equal(rows.length, 150, 'each row of the selection once, not 1.5 million');
    assert.deepEqual(Array.from(index.rowsOf(model, model.generation, query, [[2, 4], [0, 3], [3, 5]])), [1, 3, 5, 7, 9]);
    assert.equal(new Set(rows).size, 150);
    assert.deepEqual(model.reviewMany('Approve', rows, ['ssc'], 'approved'), { changed: 150, kept: 0 });
    // Rows past the end of what the filter shows (150 odd cats): refused before anything is allocated.
    assert.throws(() => index.rowsOf(model, model.generation, query, [[0, 151]]), SelectionError);
    const started = performance.now();
    assert.throws(() => index.rowsOf(model, model.generation, EMPTY_QUERY, [[0, 2 ** 40], [5, 2 ** 52]]), /the selection reaches row 4,503,599,627,370,496, but the filter shows 300 images; select again/);
    assert.ok(performance.now() - started < 100);
  } finally {
    model.dispose();
    await removeDir(dir);
  }
});

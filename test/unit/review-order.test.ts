// The review order (RecordQuery.order): the list, and so "next unreviewed", by lowest score, flagged first
// or the audit sample first, over a real indexed manifest and the edit model on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { QueryIndex } from '../../src/core/dataset/query-index.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { EMPTY_QUERY, checkRecordQuery } from '../../src/shared/record-query.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

// name, SSC score, DSC score, audit, DSC text (a stock opening flags it)
const ROWS: [string, number | null, number | null, boolean, string][] = [
  ['a.png', 0.31, 0.28, false, 'a red square on white'],
  ['b.png', 0.12, null, true, 'The image shows a green square'],
  ['c.png', null, null, false, 'a blue square'],
  ['d.png', 0.25, 0.05, true, 'a yellow square'],
  ['e.png', 0.3, 0.29, false, 'This is a black square'],
];

test('review orders: lowest score first (unscored last), flagged first, audit sample first; ties in file order', async () => {
  const dir = await makeTempDir('recaption-order-');
  try {
    const store = await ManifestStore.open(dir);
    for (const [name, ssc, dsc, audit, text] of ROWS) {
      store.put({ ...emptyRecord(name), width: 8, height: 8, sha256: 'a'.repeat(64), ...(audit ? { audit: true } : {}) });
      store.writeMachineCaption(name, 'ssc', { text: `square ${name}`, by: 'model', model: 'm' });
      store.writeMachineCaption(name, 'dsc', { text, by: 'model', model: 'm' });
      const scores = { ...(ssc === null ? {} : { ssc: { text: `square ${name}`, score: ssc } }), ...(dsc === null ? {} : { dsc: { text, score: dsc } }) };
      if (ssc !== null || dsc !== null) store.setScores(name, 'tiny-clip', scores);
    }
    await store.save();
    const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
    await model.ready;
    await model.computeDefects();
    const order = (o: 'file' | 'score' | 'flagged' | 'audit', extra = {}) => {
      const index = new QueryIndex();
      const query = { ...EMPTY_QUERY, order: o, ...extra };
      assert.equal(checkRecordQuery(query), null);
      const names = model.names();
      return Array.from({ length: index.total(model, model.generation, query) }, (_, i) => names[index.positionAt(model, model.generation, query, i)]);
    };
    assert.deepEqual(order('file'), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
    assert.deepEqual(order('score'), ['d.png', 'b.png', 'a.png', 'e.png', 'c.png']);
    assert.deepEqual(order('flagged'), ['b.png', 'e.png', 'a.png', 'c.png', 'd.png']);
    assert.deepEqual(order('audit'), ['b.png', 'd.png', 'a.png', 'c.png', 'e.png']);
    // With a filter: the order applies to what the filter shows.
    model.edit('approve', (e) => e.setReview('d.png', 'dsc', 'approved'));
    model.edit('approve', (e) => e.setReview('d.png', 'ssc', 'approved'));
    assert.deepEqual(order('score', { review: 'unreviewed' }), ['b.png', 'a.png', 'e.png', 'c.png']);
    assert.match(checkRecordQuery({ ...EMPTY_QUERY, order: 'random' })!, /unknown order/);
    model.dispose();
  } finally {
    await removeDir(dir);
  }
});

test('the "has duplicates" filter shows the members of duplicate groups (same bytes or near phash), once its pass has run', async () => {
  const dir = await makeTempDir('recaption-dupfilter-');
  try {
    const store = await ManifestStore.open(dir);
    const put = (name: string, sha: string, phash?: string) => store.put({ ...emptyRecord(name), width: 8, height: 8, sha256: sha, ...(phash ? { phash } : {}) });
    put('a.png', 'a'.repeat(64), '0f0f0f0f0f0f0f0f');
    put('b.png', 'b'.repeat(64), 'ffff0000ffff0000');
    put('c.png', 'a'.repeat(64));
    put('d.png', 'd'.repeat(64), 'ffff0000ffff0001'); // one bit from b.png
    put('e.png', 'e'.repeat(64), '123456789abcdef0');
    await store.save();
    const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
    await model.ready;
    const shown = () => Array.from(model.matchPositions({ ...EMPTY_QUERY, duplicates: true }), (p) => model.names()[p]);
    assert.deepEqual(shown(), [], 'before the pass nothing is shown rather than something wrong');
    await model.computeDuplicates();
    assert.equal(model.duplicatesReady, true);
    assert.deepEqual(shown(), ['a.png', 'b.png', 'c.png', 'd.png']);
    assert.deepEqual(Array.from(model.matchPositions({ ...EMPTY_QUERY, duplicates: true, text: 'b.png' }), (p) => model.names()[p]), ['b.png']);
    model.dispose();
  } finally {
    await removeDir(dir);
  }
});

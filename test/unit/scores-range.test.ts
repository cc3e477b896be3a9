// Issue 24 item 11: alignment scores are cosines. A score outside -1..1 read back from a manifest is a
// problem line (kept as it is, never used), the store never writes one, and equal scores do not all become
// "low-score": a tie at the cut is flagged only when all of it fits in the lowest 5%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DefectCounter, lowScoreCut } from '../../src/core/dataset/defect-counter.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { parseManifest } from '../../src/core/dataset/manifest-codec.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const cap = (text: string, score?: number): Caption => ({ text, by: 'model', review: null, ...(score === undefined ? {} : { score }) });
const line = (name: string, ssc: unknown, alt?: unknown) => JSON.stringify({ ...emptyRecord(name), ssc: { text: 'a cat', by: 'model', review: null, score: ssc }, ...(alt === undefined ? {} : { alt: { text: 'cat', source: 'sidecar', score: alt } }) });

test('a score outside -1..1 read back from a manifest makes its line a problem line, kept as it is', () => {
  const text = [line('a.png', 0.31), line('b.png', 5), line('c.png', -1.5), line('d.png', 1e308), line('e.png', -1), line('f.png', 1), line('g.png', 0.2, 3), line('h.png', '0.3')].join('\n');
  const parsed = parseManifest(text);
  assert.deepEqual(parsed.records.map((r) => r.file_name), ['a.png', 'e.png', 'f.png']);
  assert.deepEqual(
    parsed.problems.map((p) => [p.fileName, p.message]),
    [
      ['b.png', 'ssc.score must be a number from -1 to 1 (a cosine similarity), not 5'],
      ['c.png', 'ssc.score must be a number from -1 to 1 (a cosine similarity), not -1.5'],
      ['d.png', 'ssc.score must be a number from -1 to 1 (a cosine similarity), not 1e+308'],
      ['g.png', 'alt.score must be a number from -1 to 1 (a cosine similarity), not 3'],
      ['h.png', 'ssc.score must be a number from -1 to 1 (a cosine similarity), not string'],
    ],
  );
  assert.equal(parsed.problems[0]!.raw, line('b.png', 5), 'written back byte for byte');
});

test('the store writes only scores from -1 to 1', async () => {
  const dir = await makeTempDir('recaption-scores-');
  try {
    const store = await ManifestStore.open(dir);
    store.put({ ...emptyRecord('a.png'), ssc: cap('a cat'), dsc: cap('A cat on a mat.') });
    assert.equal(store.setScores('a.png', 'clip', { ssc: { text: 'a cat', score: 5 }, dsc: { text: 'A cat on a mat.', score: 1.00003 } }), 1);
    assert.equal(store.get('a.png')!.ssc!.score, undefined);
    assert.equal(store.get('a.png')!.dsc!.score, 1);
    assert.equal(store.setScores('a.png', 'clip', { ssc: { text: 'a cat', score: Number.NaN } }), 0);
    await store.save();
    store.close();
    const again = await ManifestStore.open(dir);
    assert.equal(again.problems.length, 0);
    again.close();
  } finally {
    await removeDir(dir);
  }
});

test('equal scores do not flag everyone as low-score; a tie at the cut is flagged only when it fits', () => {
  const flagged = (scores: number[]) => {
    const counter = new DefectCounter();
    for (const [i, s] of scores.entries()) counter.add({ ...emptyRecord(`${i}.png`), ssc: cap(`a red barn number ${i % 7}`, s) } satisfies ManifestRecord);
    return counter.summary();
  };
  // 40 captions scored alike (a scorer that answers one value): none is among the lowest.
  const alike = flagged(Array.from({ length: 40 }, () => 0.3));
  assert.equal(alike.counts['low-score'], 0);
  assert.equal(alike.thresholds.lowScore.ssc, null);
  // One low score, then five tied at the 5% cut (the 2nd lowest of 40): only the one below the tie.
  const tied = flagged([0.1, 0.2, 0.2, 0.2, 0.2, 0.2, ...Array.from({ length: 34 }, (_, i) => 0.3 + i / 100)]);
  assert.equal(tied.thresholds.lowScore.ssc, 0.1);
  assert.equal(tied.counts['low-score'], 1);
  // No ties: the nearest rank, as before.
  assert.equal(lowScoreCut(Float64Array.from({ length: 40 }, (_, i) => (i + 1) / 100), 0.05), 0.02);
  assert.equal(lowScoreCut([0.1, 0.1, 0.5, 0.6], 0.5), 0.1, 'a tie that fits in the share is flagged whole');
});

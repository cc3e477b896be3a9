// `recaption stats` counts the manifest as it streams by instead of loading it: the same counts as the
// loaded store gives, bad and duplicate lines reported the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { streamManifestFile } from '../../src/core/dataset/manifest-stream.js';
import { computeStats, StatsCounter } from '../../src/core/dataset/stats.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

test('streamed counts equal the loaded store\'s, problems included', async () => {
  const dir = await makeTempDir();
  try {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = { ...emptyRecord(`img/${String(i).padStart(5, '0')}.png`), alt: i % 3 ? { text: 'alt', source: 'sidecar' } : null };
      const review = i % 7 === 0 ? 'approved' : i % 11 === 0 ? 'rejected' : null;
      if (i % 2) Object.assign(r, { ssc: { text: `s${i}`, by: i % 4 === 1 ? 'human' : 'model', review } });
      if (i % 5) Object.assign(r, { dsc: { text: `d${i}`, by: 'upsample', review: null }, error: i % 13 === 0 ? 'x' : null });
      if (i % 17 === 0) Object.assign(r, { missing: true });
      lines.push(JSON.stringify(r));
    }
    lines.splice(100, 0, '{not json');
    lines.splice(200, 0, lines[50]!);
    await fs.writeFile(path.join(dir, MANIFEST_NAME), lines.join('\n') + '\n');
    const store = await ManifestStore.open(dir);
    const counter = new StatsCounter();
    const streamed = await streamManifestFile(path.join(dir, MANIFEST_NAME), (r) => counter.add(r));
    assert.deepEqual(counter.result(streamed.problems.length), computeStats(store.records(), store.problems.length));
    assert.deepEqual(streamed.problems.map((p) => p.line), store.problems.map((p) => p.line));
    assert.equal(streamed.records.length, 0, 'the stream kept no records');
  } finally {
    await removeDir(dir);
  }
});

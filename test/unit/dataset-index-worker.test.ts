// The manifest index built in a worker thread (as the extension host builds it) is the index built on this
// thread, field for field; a file that shrinks under it and a worker that dies are errors, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FileLineSource, ManifestChangedError } from '../../src/core/dataset/line-source.js';
import { indexInThread, indexInWorker, type IndexWorkerData } from '../../src/core/dataset/manifest-indexer.js';
import type { ManifestIndex } from '../../src/core/dataset/manifest-index.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { withManifest } from '../support/temp-dataset.js';

const WORKER_SOURCE = path.resolve(__dirname, '../../src/core/dataset/index-worker.ts');

/** The worker's TypeScript source, run through tsx (the product runs the bundled dist/index-worker.js). */
function startSourceWorker(script = WORKER_SOURCE): (data: IndexWorkerData) => Worker {
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`;
  return (workerData) => new Worker(code, { eval: true, workerData });
}

const line = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...emptyRecord(name), width: 4, height: 3, ...extra });

/** Out of order, a duplicate, broken lines, CRLF, a byte-order mark, reviews and authors of every kind. */
function awkwardManifest(): string {
  const lines = [
    line('c.png', { ssc: { text: 'a cat', by: 'model', review: 'approved' } }),
    '{"file_name": "broken',
    line('a.png', { dsc: { text: 'a person wrote this, at length', by: 'human', review: null } }),
    line('c.png', { ssc: { text: 'the later copy', by: 'model', review: null } }),
    '',
    line('b.png', { error: 'unreadable image', dsc: { text: 'x', by: 'upsample', review: 'rejected' } }),
    '[1, 2]',
  ];
  for (let i = 0; i < 3000; i++) lines.push(line(`z/${String(3000 - i).padStart(5, '0')}.png`, { ssc: { text: `caption ${i}`, by: 'model', review: null } }));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

function comparable(index: ManifestIndex) {
  const columns = index.columns.toData();
  return {
    names: index.names,
    offsets: Array.from(index.offsets),
    lengths: Array.from(index.lengths),
    columns: { count: columns.count, flags: Array.from(columns.flags.subarray(0, columns.count)), by: Array.from(columns.by.subarray(0, columns.count * 2)), review: Array.from(columns.review.subarray(0, columns.count * 2)), length: Array.from(columns.length.subarray(0, columns.count * 2)) },
    problems: index.problems,
    eol: index.eol,
    hadBom: index.hadBom,
    bytes: index.bytes,
    counts: index.columns.counts(),
  };
}

test('the worker builds the same index as this thread: names, offsets, columns, problems, line format', async () => {
  await withManifest(awkwardManifest(), async (_dir, file) => {
    const source = FileLineSource.open(file);
    try {
      const here = await indexInThread(source);
      const there = await indexInWorker(startSourceWorker())(source);
      assert.equal(there.names.length, 3003);
      assert.deepEqual(comparable(there), comparable(here));
      // The duplicate c.png and both broken lines are problem lines, kept.
      assert.deepEqual(there.problems.map((p) => p.line), [2, 4, 7]);
    } finally {
      source.close();
    }
  });
});

test('a store indexed in a worker reads, edits and saves as one indexed here', async () => {
  await withManifest(awkwardManifest(), async (dir, file) => {
    const inWorker = await ManifestStore.open(dir, MANIFEST_NAME, { indexer: indexInWorker(startSourceWorker()) });
    assert.equal(inWorker.get('a.png')!.dsc!.text, 'a person wrote this, at length');
    assert.equal(inWorker.get('c.png')!.ssc!.text, 'a cat');
    inWorker.writeHumanCaption('b.png', 'ssc', 'written by a person');
    await inWorker.save();
    inWorker.close();
    const saved = await fs.readFile(file, 'utf8');
    const here = await ManifestStore.open(dir);
    assert.equal(here.get('b.png')!.ssc!.text, 'written by a person');
    const again = await ManifestStore.open(dir, MANIFEST_NAME, { indexer: indexInWorker(startSourceWorker()) });
    assert.deepEqual(again.counts(), here.counts());
    assert.deepEqual(again.names(), here.names());
    again.close();
    here.close();
    // The other lines are byte for byte what they were.
    assert.ok(saved.includes('{"file_name": "broken'));
    assert.ok(saved.startsWith('\uFEFF'));
  });
});

test('a file that got shorter after it was opened is a changed manifest, not a short index', async () => {
  await withManifest(awkwardManifest(), async (_dir, file) => {
    const source = FileLineSource.open(file);
    try {
      await fs.truncate(file, 100);
      await assert.rejects(indexInWorker(startSourceWorker())(source), ManifestChangedError);
    } finally {
      source.close();
    }
  });
});

test('a worker that fails to start or dies is an error, not a wait forever', async () => {
  await withManifest(line('a.png') + '\n', async (dir, file) => {
    const source = FileLineSource.open(file);
    try {
      await assert.rejects(indexInWorker(startSourceWorker(path.join(dir, 'missing-worker.ts')))(source), /Cannot find module|missing-worker/);
      const exits = (workerData: IndexWorkerData) => new Worker('process.exit(3)', { eval: true, workerData });
      await assert.rejects(indexInWorker(exits)(source), /exit code 3/);
    } finally {
      source.close();
    }
  });
});

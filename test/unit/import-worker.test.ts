// The import worker's bounds, each ending in one ImportError that names the file (and the thread ended,
// whatever it was doing): no sign of progress within the watchdog's time, a heap past its limit, and a
// cancel while it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImportError } from '../../src/core/import/import-errors.js';
import { ImportWorker } from '../../src/core/import/import-worker-client.js';
import { manyCaptionsParquet, writeSparseTar } from '../support/hostile-files.js';
import { hfColumns, makeImages, withImportDir, writeParquet } from '../support/import-fixtures.js';

const LIMITS = { maxImageBytes: 1 << 20, maxRowGroupBytes: 64 << 20 };

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ImportError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a request without a sign of progress within the watchdog time ends the worker: too-slow, naming the file', async () => {
  await withImportDir(async (dir) => {
    const file = path.join(dir, 'slow.parquet');
    await writeParquet(file, hfColumns(await makeImages(2), ['a', 'b']));
    // 1 ms: opening the file and reading its footer takes longer, and says nothing meanwhile.
    const worker = new ImportWorker({ stallMs: 1 });
    try {
      const source = { abs: file, name: 'slow.parquet', bytes: (await fs.stat(file)).size };
      await rejectsWith(worker.request({ op: 'plan-parquet', file: source, named: {}, limits: LIMITS }, 'slow.parquet'), 'too-slow', /^slow\.parquet: reading it made no progress for 0 s; the file is damaged or built to exhaust the reader/);
      assert.equal(worker.running, false);
      await rejectsWith(worker.request({ op: 'close' }, 'slow.parquet'), 'too-slow', /no progress/);
    } finally {
      await worker.close();
    }
  });
});

test('a worker past its heap is ended: too-large, naming what it read', async () => {
  await withImportDir(async (dir) => {
    const file = path.join(dir, 'nulls.parquet');
    // A million one-byte captions: an object each while the column is read, more than a 32 MB heap holds.
    await fs.writeFile(file, manyCaptionsParquet(2 ** 20));
    const worker = new ImportWorker({ heapMb: 32 });
    try {
      const source = { abs: file, name: 'nulls.parquet', bytes: (await fs.stat(file)).size };
      const outcome = (async () => {
        const plan = await worker.request({ op: 'plan-parquet', file: source, named: {}, limits: LIMITS }, 'nulls.parquet');
        await worker.request({ op: 'open-row-groups', file: source, groups: [plan.rowGroups[0]!], choice: plan.choice, limits: LIMITS }, 'nulls.parquet row group 0');
        for (;;) if ((await worker.request({ op: 'next' }, 'nulls.parquet row group 0')).batch === null) break;
      })();
      await rejectsWith(outcome, 'too-large', /^nulls\.parquet( row group 0)?: reading it needed more than the 32 MB of memory an import's reader has/);
      assert.equal(worker.running, false);
    } finally {
      await worker.close();
    }
  });
});

test('a cancel ends the worker inside a long read at once', async () => {
  await withImportDir(async (dir) => {
    const file = path.join(dir, 'long.tar');
    await writeSparseTar(file, 6 * 2 ** 30);
    const controller = new AbortController();
    const worker = new ImportWorker({ signal: controller.signal });
    try {
      const source = { abs: file, name: 'long.tar', bytes: (await fs.stat(file)).size };
      await worker.request({ op: 'open-shard', file: source, limits: LIMITS }, 'long.tar');
      // The first batch waits for the 6 GB member to be read through.
      const reading = worker.request({ op: 'next' }, 'long.tar');
      setTimeout(() => controller.abort(), 500);
      const started = performance.now();
      await rejectsWith(reading, 'cancelled', /^import cancelled/);
      assert.ok(performance.now() - started < 3000);
      assert.equal(worker.running, false);
    } finally {
      await worker.close();
    }
  });
});

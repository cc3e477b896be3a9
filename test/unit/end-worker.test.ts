// A worker that has done its work is let exit on its own (terminate() mid-compile can abort Node 20): one
// that closes its port when asked exits cleanly, one that does not is terminated after the grace period,
// and one already gone resolves at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { endWorker } from '../../src/core/util/end-worker.js';

const CLOSES_WHEN_ASKED = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { if (m === 'end') parentPort.close(); });`;
const IGNORES_IT = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => undefined); setInterval(() => undefined, 1000);`;

function exitCode(worker: Worker): Promise<number> {
  return once(worker, 'exit').then(([code]) => code as number);
}

test('a worker that closes its port when asked exits by itself, not terminated', async () => {
  const worker = new Worker(CLOSES_WHEN_ASKED, { eval: true });
  await once(worker, 'online');
  const code = exitCode(worker);
  await endWorker(worker, () => worker.postMessage('end'), 10_000);
  // terminate() would make the exit code 1.
  assert.equal(await code, 0);
});

test('a worker that does not end is terminated after the grace period', async () => {
  const worker = new Worker(IGNORES_IT, { eval: true });
  await once(worker, 'online');
  const code = exitCode(worker);
  const started = Date.now();
  await endWorker(worker, () => worker.postMessage('end'), 200);
  assert.ok(Date.now() - started >= 190, 'it was given the grace period');
  assert.equal(await code, 1);
});

test('a worker already gone resolves at once, without being asked', async () => {
  const worker = new Worker('', { eval: true });
  await once(worker, 'exit');
  let asked = false;
  await endWorker(worker, () => (asked = true), 10_000);
  assert.equal(asked, false);
});

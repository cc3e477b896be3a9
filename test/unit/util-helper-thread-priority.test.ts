// Helper threads lower their own priority below the process's main thread (util/helper-thread-priority.ts),
// both as the bundled function and as the source an eval'd worker runs, a helper's helper no further than its
// starter, and leave every other thread's alone. Linux only: elsewhere a thread has no id of its own to give
// setpriority, and the helpers keep the process's priority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HELPER_NICENESS, LOWER_THIS_THREADS_PRIORITY_SOURCE } from '../../src/core/util/helper-thread-priority.js';

const linux = process.platform === 'linux';

/** A thread's niceness, the 19th field of its stat line (after the parenthesised name). */
const NICE_OF_THIS_THREAD = `(() => { const stat = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); })()`;

function niceOfThisThread(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Runs `code` on a new thread and returns what it posts. */
async function onThread<T>(code: string): Promise<T> {
  const worker = new Worker(code, { eval: true });
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

test('a helper thread started from source lowers its own priority, and only its own', { skip: !linux }, async () => {
  const before = niceOfThisThread();
  const nice = await onThread<number>(`${LOWER_THIS_THREADS_PRIORITY_SOURCE}\nrequire('node:worker_threads').parentPort.postMessage(${NICE_OF_THIS_THREAD});`);
  assert.equal(nice, Math.min(19, before + HELPER_NICENESS));
  assert.equal(niceOfThisThread(), before, "the starting thread's priority is unchanged");
  // A thread that does not lower it keeps the process's.
  assert.equal(await onThread<number>(`require('node:worker_threads').parentPort.postMessage(${NICE_OF_THIS_THREAD});`), before);
});

test('the bundled function lowers the calling thread as the source does', { skip: !linux }, async () => {
  const before = niceOfThisThread();
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  const module = path.join(__dirname, '../../src/core/util/helper-thread-priority.ts');
  const [lowered, nice] = await onThread<[boolean, number]>(
    `require(${JSON.stringify(tsx)}); const lowered = require(${JSON.stringify(module)}).lowerThisThreadsPriority(); require('node:worker_threads').parentPort.postMessage([lowered, ${NICE_OF_THIS_THREAD}]);`,
  );
  assert.equal(lowered, true);
  assert.equal(nice, Math.min(19, before + HELPER_NICENESS));
  assert.equal(niceOfThisThread(), before);
});

test("a helper's helper ranks beside the helper that started it, not below it, in both forms", { skip: !linux }, async () => {
  const before = niceOfThisThread();
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  const module = path.join(__dirname, '../../src/core/util/helper-thread-priority.ts');
  const lowerBySource = LOWER_THIS_THREADS_PRIORITY_SOURCE;
  const lowerByFunction = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(module)}).lowerThisThreadsPriority();`;
  for (const lower of [lowerBySource, lowerByFunction]) {
    // The inner thread inherits the outer one's niceness, then lowers itself.
    const inner = `${lower}\nrequire('node:worker_threads').parentPort.postMessage(${NICE_OF_THIS_THREAD});`;
    const outer = `${lower}
      const { Worker, parentPort } = require('node:worker_threads');
      const own = ${NICE_OF_THIS_THREAD};
      const worker = new Worker(${JSON.stringify(inner)}, { eval: true });
      worker.once('message', (nice) => { parentPort.postMessage([own, nice]); worker.terminate(); });`;
    const [own, nested] = await onThread<[number, number]>(outer);
    assert.equal(own, Math.min(19, before + HELPER_NICENESS));
    assert.equal(nested, own, 'the nested helper is not lowered twice');
  }
  assert.equal(niceOfThisThread(), before);
});

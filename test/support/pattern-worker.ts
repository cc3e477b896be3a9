// The pattern worker started from its TypeScript source through tsx (the product starts the bundled
// dist/pattern-worker.js), for tests of the editor's pattern sandbox.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PatternSandbox, type PatternWorkerStarter } from '../../src/core/dataset/pattern-sandbox.js';

const WORKER_SOURCE = path.resolve(__dirname, '../../src/core/dataset/pattern-worker.ts');

export const startPatternWorkerFromSource: PatternWorkerStarter = (workerData) => {
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(WORKER_SOURCE)});`;
  return new Worker(code, { eval: true, workerData });
};

/** A sandbox over the source worker; `deadlineMs` short so a cut-off test takes a fraction of a second. */
export function sourceSandbox(deadlineMs?: number): PatternSandbox {
  return new PatternSandbox(startPatternWorkerFromSource, deadlineMs);
}

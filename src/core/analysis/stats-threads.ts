// Runs the parts of a `recaption stats` pass on worker threads, one per core: each thread takes the next
// range as it finishes one, so a thread slowed by other work on the machine takes fewer.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ByteRange } from '../dataset/line-ranges.js';
import type { StatsPart } from './stats-pass.js';
import type { StatsWorkerData, StatsWorkerReply, StatsWorkerRequest } from './stats-worker-protocol.js';

/** dist/stats-worker.js beside the bundle (the CLI), or the TypeScript source through tsx (tests, the bench). */
function startStatsThread(workerData: StatsWorkerData): Worker {
  if (__filename.endsWith('.ts')) {
    const tsx = createRequire(__filename).resolve('tsx/cjs');
    const code = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(path.join(__dirname, 'stats-worker.ts'))});`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(path.join(__dirname, 'stats-worker.js'), { workerData });
}

/** The part of each range of `file`, in the ranges' order, read by up to `threads` threads. */
export async function statsPartsInThreads(file: string, ranges: readonly ByteRange[], flags: boolean, threads: number): Promise<StatsPart[]> {
  const parts: StatsPart[] = new Array<StatsPart>(ranges.length);
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const give = (worker: Worker) => {
        if (next < ranges.length) {
          const index = next++;
          worker.postMessage({ index, range: ranges[index]! } satisfies StatsWorkerRequest);
        }
      };
      for (let t = 0; t < Math.min(threads, ranges.length); t++) {
        const worker = startStatsThread({ file, flags });
        workers.push(worker);
        worker.on('message', (reply: StatsWorkerReply) => {
          if ('error' in reply) {
            reject(new Error(`cannot read ${file}: ${reply.error}`));
            return;
          }
          parts[reply.index] = reply.part;
          if (++done === ranges.length) resolve();
          else give(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (done < ranges.length) reject(new Error(`a stats thread stopped (exit code ${code}) before ${file} was read`));
        });
        give(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return parts;
}

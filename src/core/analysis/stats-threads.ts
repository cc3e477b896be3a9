// Runs the parts of a `recaption stats` pass on worker threads, one per core: each thread takes the next
// range as it finishes one, so a thread slowed by other work on the machine takes fewer.
import type { Worker } from 'node:worker_threads';
import type { ByteRange } from '../dataset/line-ranges.js';
import { startBundledWorker } from '../util/bundled-worker.js';
import { endWorker } from '../util/end-worker.js';
import type { StatsPart } from './stats-pass.js';
import type { StatsWorkerData, StatsWorkerReply, StatsWorkerRequest } from './stats-worker-protocol.js';

/** dist/stats-worker.js beside the bundle (the CLI), or the TypeScript source through tsx (tests, the bench). */
function startStatsThread(workerData: StatsWorkerData): Worker {
  return startBundledWorker(__filename, __dirname, 'stats-worker', { workerData });
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
    await Promise.all(workers.map((w) => endWorker(w, () => w.postMessage({ end: true } satisfies StatsWorkerRequest))));
  }
  return parts;
}

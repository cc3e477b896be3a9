// A worker thread's entry (bundled as dist/stats-worker.js): reads the ranges of a manifest it is sent into
// parts for `recaption stats` (stats-pass.ts), one at a time, until it is ended.
import { parentPort, workerData } from 'node:worker_threads';
import { partBuffers, statsPass } from './stats-pass.js';
import type { StatsWorkerData, StatsWorkerReply, StatsWorkerRequest } from './stats-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('stats-worker.js runs as a worker thread');
const { file, flags } = workerData as StatsWorkerData;

port.on('message', (request: StatsWorkerRequest) => {
  if ('end' in request) {
    port.close();
    return;
  }
  const { index, range } = request;
  statsPass(file, range, flags).then(
    (part) => port.postMessage({ index, part } satisfies StatsWorkerReply, partBuffers(part)),
    (err: unknown) => port.postMessage({ index, error: err instanceof Error ? err.message : String(err) } satisfies StatsWorkerReply),
  );
});

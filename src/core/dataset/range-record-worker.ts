// A worker thread's entry (bundled as dist/range-record-worker.js): parses the ranges of a manifest file it
// is sent (range-record-pass.ts), one at a time, until it is ended.
import { parentPort, workerData } from 'node:worker_threads';
import { packedBuffers } from './record-codec.js';
import { RangeShortError, readRange } from './range-record-pass.js';
import type { RangeWorkerData, RangeWorkerReply, RangeWorkerRequest } from './range-record-protocol.js';

const port = parentPort;
if (!port) throw new Error('range-record-worker.js runs as a worker thread');
const { fd, size, blockBytes } = workerData as RangeWorkerData;

port.on('message', (request: RangeWorkerRequest) => {
  if ('end' in request) {
    port.close();
    return;
  }
  const { index, range } = request;
  try {
    const summary = readRange(fd, size, range, blockBytes, (batch) => port.postMessage({ index, batch } satisfies RangeWorkerReply, packedBuffers(batch.packed)));
    port.postMessage({ index, summary } satisfies RangeWorkerReply);
  } catch (err) {
    port.postMessage({ index, error: err instanceof Error ? err.message : String(err), short: err instanceof RangeShortError } satisfies RangeWorkerReply);
  }
});

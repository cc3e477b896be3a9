// A worker thread's entry (bundled as dist/parquet-worker.js): encodes and writes a Parquet export's row
// groups (split-shards.ts). Encoding and compressing the text columns costs as much as reading the
// manifest, so it runs beside the export's pass instead of on its thread. Requests are carried out one at
// a time, in the order they came.
import { promises as fs } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Split } from '../../types.js';
import type { ParquetReply, ParquetRequest, ParquetThreadSetup } from './parquet-thread-protocol.js';
import { SplitShards } from './split-shards.js';
import { lowerThisThreadsPriority } from '../../../util/helper-thread-priority.js';

const port = parentPort;
if (!port) throw new Error('parquet-worker.js runs as a worker thread');
const setup = workerData as ParquetThreadSetup;
// It serves the export's pass, which sets the pace (util/helper-thread-priority.ts).
lowerThisThreadsPriority();
const splits = new Map<Split, SplitShards>();

async function carryOut(request: ParquetRequest): Promise<void> {
  if ('group' in request) {
    let shards = splits.get(request.split);
    if (!shards) {
      await fs.mkdir(setup.folder, { recursive: true });
      shards = new SplitShards(request.split, setup.folder, setup);
      splits.set(request.split, shards);
    }
    await shards.write(request.group);
  } else if ('close' in request) {
    for (const shards of splits.values()) await shards.close();
  } else {
    for (const shards of splits.values()) await shards.abort();
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: ParquetRequest) => {
  queue = queue.then(async () => {
    let reply: ParquetReply;
    try {
      await carryOut(request);
      reply = { id: request.id, done: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      reply = { id: request.id, error: err instanceof Error ? err.message : String(err), ...(typeof code === 'string' ? { code } : {}) };
    }
    port.postMessage(reply);
    // After close or abort nothing more comes: the thread exits on its own (util/end-worker.ts).
    if (!('group' in request)) port.close();
  });
});

// A worker thread's entry (bundled as dist/index-worker.js): indexes the manifest on the descriptor it is
// given and posts the index back with its arrays transferred. See manifest-indexer.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ManifestChangedError } from './line-source.js';
import { buildIndex, packIndex, type IndexWorkerData, type IndexWorkerReply } from './manifest-indexer.js';

async function main({ fd, size }: IndexWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('index-worker.js runs as a worker thread');
  lowerPriority();
  try {
    const { packed, transfer } = packIndex(await buildIndex(size, (block, position) => fs.readSync(fd, block, 0, block.length, position)));
    port.postMessage({ ok: true, index: packed } satisfies IndexWorkerReply, transfer);
  } catch (err) {
    port.postMessage({ ok: false, changed: err instanceof ManifestChangedError, message: (err as Error).message } satisfies IndexWorkerReply);
  }
}

/**
 * The index yields the CPU to the editor's first screen (the webview starting up, the host answering it).
 * On Linux this thread alone gets the lower priority (setpriority on pid 0 is per thread); elsewhere it
 * may be the whole process or refused, so it is best effort and the index is the same either way.
 */
function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, os.constants.priority.PRIORITY_LOW);
  } catch {
    // Not allowed here: index at normal priority.
  }
}

void main(workerData as IndexWorkerData);

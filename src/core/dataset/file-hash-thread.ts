// The sha256 of a whole file, read and hashed on a worker thread through a descriptor its caller holds open:
// for a pass whose records are parsed by other threads, range by range, so no one thread reads the file in
// order. It also tells how many bytes it read and the last of them (whether the file ends with a line break).
import { Worker } from 'node:worker_threads';
import { endWorker } from '../util/end-worker.js';
import { firstMessage } from '../util/first-message.js';
import { LOWER_THIS_THREADS_PRIORITY_SOURCE } from '../util/helper-thread-priority.js';

/** The worker's whole program: plain Node, no bundle to find. It may block: it is not the event loop's thread. */
const READER = `${LOWER_THIS_THREADS_PRIORITY_SOURCE}
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const { fd, size, stop } = workerData;
const stopped = new Int32Array(stop);
const hash = createHash('sha256');
const block = Buffer.allocUnsafe(1 << 20);
let at = 0;
let lastByte = -1;
while (at < size && Atomics.load(stopped, 0) === 0) {
  const n = readSync(fd, block, 0, Math.min(block.length, size - at), at);
  if (n === 0) break;
  hash.update(block.subarray(0, n));
  lastByte = block[n - 1];
  at += n;
}
if (Atomics.load(stopped, 0) === 0) parentPort.postMessage({ sha256: hash.digest('hex'), bytes: at, lastByte });
`;

export interface FileHash {
  sha256: string;
  /** Bytes read: fewer than the size asked for when the file got shorter. */
  bytes: number;
  /** The last byte read; -1 for none. */
  lastByte: number;
}

export class FileHashThread {
  private readonly worker: Worker;
  private readonly stopped = new Int32Array(new SharedArrayBuffer(4));
  /** The hash of the file's first `size` bytes; rejects when the worker fails or is stopped first. */
  readonly result: Promise<FileHash>;

  constructor(fd: number, size: number) {
    this.worker = new Worker(READER, { eval: true, workerData: { fd, size, stop: this.stopped.buffer } });
    this.result = firstMessage<FileHash>(this.worker, 'the hashing thread');
    // Waited for by whoever needs the hash; a pass given up never asks.
    this.result.catch(() => undefined);
  }

  /** Ends the worker (between two reads); resolves once it is gone and reads no more. */
  stop(): Promise<void> {
    Atomics.store(this.stopped, 0, 1);
    return endWorker(this.worker, () => undefined);
  }
}

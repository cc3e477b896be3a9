// The sha256 of an open file's first `size` bytes, computed on a worker thread: hashing a manifest of a
// million records costs about as much as reading it, so a pass that parses the file on this thread hashes it
// beside, on another core. The worker reads through the same descriptor (threads share them): the caller
// keeps it open until the answer, and checks afterwards that the file did not change in place meanwhile.
import { Worker } from 'node:worker_threads';
import { endWorker } from '../util/end-worker.js';

/** The worker's whole program: plain Node, no bundle to find. */
const HASHER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, size } = workerData;
const hash = createHash('sha256');
const block = Buffer.allocUnsafe(Math.min(size, 4 << 20));
try {
  for (let position = 0; position < size; ) {
    const n = readSync(fd, block, 0, Math.min(block.length, size - position), position);
    if (n === 0) throw new Error('the file got shorter while it was hashed');
    hash.update(block.subarray(0, n));
    position += n;
  }
  parentPort.postMessage({ sha256: hash.digest('hex') });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
}
`;

type Answer = { sha256: string } | { error: string };

/** A file being hashed on a worker thread. */
export class HashThread {
  private readonly worker: Worker;
  private answered = false;
  /** The hash; rejects when the worker fails or is stopped first. */
  readonly digest: Promise<string>;

  constructor(fd: number, size: number) {
    this.worker = new Worker(HASHER, { eval: true, workerData: { fd, size } });
    this.digest = new Promise<string>((resolve, reject) => {
      this.worker.once('message', (answer: Answer) => {
        this.answered = true;
        if ('sha256' in answer) resolve(answer.sha256);
        else reject(new Error(answer.error));
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the hashing thread stopped (exit code ${code}) before it answered`)));
    });
    // Waited for by whoever needs the hash; a pass given up never asks.
    this.digest.catch(() => undefined);
  }

  /**
   * Ends the worker; resolves once it is gone (then the descriptor it read may be closed). One that has
   * answered exits by itself (util/end-worker.ts); one still hashing is terminated.
   */
  async stop(): Promise<void> {
    if (this.answered) await endWorker(this.worker, () => undefined);
    else await this.worker.terminate();
  }
}

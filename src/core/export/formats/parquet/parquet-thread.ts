// The export's side of the Parquet thread (parquet-worker.ts): row groups go to it in order, a few in
// flight; a failure (a full disk) surfaces at the next wait, and the thread ends once it has closed or
// aborted the shards.
import type { Worker } from 'node:worker_threads';
import { startBundledWorker } from '../../../util/bundled-worker.js';
import { endWorker } from '../../../util/end-worker.js';
import type { Split } from '../../types.js';
import type { ParquetReply, ParquetRequest, ParquetThreadSetup, ParquetWork } from './parquet-thread-protocol.js';
import type { RowGroup } from './split-shards.js';

/** Row groups sent and not yet written before the export waits: memory stays a few groups' worth. */
const GROUPS_IN_FLIGHT = 2;

export class ParquetThread {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly groups: Promise<void>[] = [];
  /** Why the thread cannot go on, once it cannot: every later request fails with it. */
  private failure: Error | null = null;
  /** The thread has exited: nothing sent now would be answered. */
  private gone = false;

  constructor(setup: ParquetThreadSetup) {
    this.worker = startBundledWorker(__filename, __dirname, 'parquet-worker', { workerData: setup });
    this.worker.on('message', (reply: ParquetReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('done' in reply) return waiter?.resolve();
      const err: NodeJS.ErrnoException = new Error(reply.error);
      if (reply.code !== undefined) err.code = reply.code;
      this.fail(err);
      waiter?.reject(err);
    });
    this.worker.once('error', (err) => this.fail(err));
    this.worker.once('exit', (code) => {
      this.gone = true;
      this.fail(new Error(`the Parquet thread stopped (exit code ${code}) before it was done`));
    });
  }

  /** Sends a row group; a promise when the caller must wait for an earlier one before sending more. */
  write(split: Split, group: RowGroup, transfer: ArrayBuffer[] = []): Promise<void> | undefined {
    const written = this.request({ split, group }, false, transfer);
    // Seen by the caller at the next wait or at close, not as an unhandled rejection.
    written.catch(() => undefined);
    this.groups.push(written);
    return this.groups.length > GROUPS_IN_FLIGHT ? this.groups.shift() : undefined;
  }

  /** Waits for every group, finishes and names the shards, and ends the thread; on a failure, closes the shards unfinished. */
  async close(): Promise<void> {
    try {
      for (const group of this.groups.splice(0)) await group;
      await this.request({ close: true });
    } catch (err) {
      await this.request({ abort: true }, true).catch(() => undefined);
      throw err;
    } finally {
      await this.end();
    }
  }

  /** Closes the open shards unfinished and ends the thread. */
  async abort(): Promise<void> {
    // Sent after a failure too: the files still open are closed.
    await this.request({ abort: true }, true).catch(() => undefined);
    await this.end();
  }

  private request(body: ParquetWork, afterFailure = false, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.gone || (this.failure && !afterFailure)) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...body } satisfies ParquetRequest, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }

  private end(): Promise<void> {
    // After close or abort the thread closes its port and exits; one that failed is ended too.
    return endWorker(this.worker, () => undefined);
  }
}

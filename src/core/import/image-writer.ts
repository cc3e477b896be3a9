// The import's side of its image writer threads (image-write-thread.ts, which says how an image is
// written): sends a batch of images for one folder at a time to the least busy thread, their bytes
// transferred rather than copied (the import's views of them are unusable afterwards), and answers with
// what became of each file. Two threads: creating a file and copying its bytes into the page cache is
// kernel work, and one thread would leave the second core idle while it waits for the folder's lock.
// A write that fails becomes the WriteError every write of Recaption's gives (what to do about a full
// disk, a read-only folder); a thread dying fails every job in flight.
import type { Worker } from 'node:worker_threads';
import { WriteError, describeWriteFailure } from '../dataset/atomic-write.js';
import type { WriteJob, WriteReply, WrittenImage } from './image-write-protocol.js';
import { WRITE_JOBS_IN_FLIGHT } from './import-limits.js';
import { IMAGE_WRITER_ROLE } from './import-worker-protocol.js';
import { startImportThread } from './import-worker-client.js';

export type { WrittenImage } from './image-write-protocol.js';

const WRITER_THREADS = 2;

interface Pending {
  thread: Worker;
  resolve: (written: WrittenImage[]) => void;
  reject: (err: Error) => void;
}

export class ImageWriter {
  private readonly threads: Worker[];
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Callers of ready() waiting for a job to end. */
  private waiting: (() => void)[] = [];
  private ended: Error | null = null;

  constructor() {
    this.threads = Array.from({ length: WRITER_THREADS }, () => {
      const thread = startImportThread({ workerData: { role: IMAGE_WRITER_ROLE } });
      thread.on('message', (reply: WriteReply) => this.receive(reply));
      thread.on('error', (err: Error) => this.end(new WriteError(`the import's image writer failed: ${err.message}`, undefined)));
      thread.on('exit', (code) => this.end(new WriteError(`the import's image writer stopped (exit code ${code})`, undefined)));
      return thread;
    });
  }

  /** Resolves once fewer than WRITE_JOBS_IN_FLIGHT jobs are in flight (the bytes they hold are bounded so). */
  async ready(): Promise<void> {
    while (this.pending.size >= WRITE_JOBS_IN_FLIGHT && !this.ended) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /**
   * Writes `files` into `dir`, in order; the buffers their bytes are views of are handed over to the
   * thread (so they must be buffers of their own, never Node's shared pool).
   */
  write(dir: string, files: { name: string; bytes: Uint8Array }[]): Promise<WrittenImage[]> {
    if (this.ended) return Promise.reject(this.ended);
    if (files.length === 0) return Promise.resolve([]);
    const seq = ++this.seq;
    const buffers = [...new Set(files.map((f) => f.bytes.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const busy = (t: Worker) => [...this.pending.values()].filter((p) => p.thread === t).length;
    const thread = this.threads.reduce((a, b) => (busy(b) < busy(a) ? b : a));
    return new Promise<WrittenImage[]>((resolve, reject) => {
      this.pending.set(seq, { thread, resolve, reject });
      thread.postMessage({ seq, dir, files } satisfies WriteJob, buffers);
    });
  }

  /** Ends the threads (a job in flight fails, and may leave a short file the next run replaces). */
  async close(): Promise<void> {
    this.end(new WriteError("the import's image writer was closed", undefined));
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private receive(reply: WriteReply): void {
    const pending = this.pending.get(reply.seq);
    if (!pending) return;
    this.pending.delete(reply.seq);
    this.wake();
    if (reply.ok) pending.resolve(reply.written);
    else pending.reject(new WriteError(describeWriteFailure(reply.file, Object.assign(new Error(reply.message), { code: reply.code })), reply.code));
  }

  private end(reason: Error): void {
    if (this.ended) return;
    this.ended = reason;
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

// The import's side of its worker (import-worker.ts): starts it with a bounded heap, sends one request
// at a time, and ends it (terminate: immediate, even inside an endless loop) when the import is
// cancelled, when it goes WORKER_STALL_MS without a sign of progress, or when it dies. Each of those
// becomes one ImportError naming what was being read; the extension host or the CLI carries on.
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { startBundledWorker } from '../util/bundled-worker.js';
import { ImportError, throwIfCancelled } from './import-errors.js';
import { WORKER_HEAP_MB, WORKER_STALL_MS, WORKER_YOUNG_HEAP_MB } from './import-limits.js';
import type { Answers, WorkerEnvelope, WorkerReply, WorkerRequest } from './import-worker-protocol.js';

export interface ImportWorkerOptions {
  signal?: AbortSignal;
  /** Overrides for tests (the fuzz tests bound each case tighter). */
  heapMb?: number;
  stallMs?: number;
}

/**
 * One of the import's threads: dist/import-worker.js beside the bundle (the extension, the CLI), or the
 * TypeScript source through tsx. `options` are the Worker's (its heap limits, its role in workerData).
 */
export function startImportThread(options: Pick<WorkerOptions, 'resourceLimits' | 'workerData'>): Worker {
  return startBundledWorker(__filename, __dirname, 'import-worker', options);
}

function startWorker(heapMb: number): Worker {
  return startImportThread({ resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(WORKER_YOUNG_HEAP_MB, heapMb / 4) } });
}

interface Pending {
  seq: number;
  what: string;
  resolve: (value: unknown) => void;
  reject: (err: ImportError) => void;
}

export class ImportWorker {
  private seq = 0;
  private pending: Pending | null = null;
  private stall: NodeJS.Timeout | null = null;
  /** Why the worker is gone, once it is: every later request fails with it. */
  private ended: ImportError | null = null;
  private readonly onAbort = () => this.end(new ImportError('cancelled', 'import cancelled; run the same import again to continue where it stopped'));
  private readonly worker: Worker;
  private readonly heapMb: number;
  private readonly stallMs: number;

  constructor(private readonly options: ImportWorkerOptions = {}) {
    this.heapMb = options.heapMb ?? WORKER_HEAP_MB;
    this.stallMs = options.stallMs ?? WORKER_STALL_MS;
    this.worker = startWorker(this.heapMb);
    this.worker.on('message', (reply: WorkerReply) => this.receive(reply));
    this.worker.on('error', (err: Error & { code?: string }) => {
      const what = this.pending?.what ?? 'the file';
      this.end(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ImportError('too-large', `${what}: reading it needed more than the ${this.heapMb} MB of memory an import's reader has; the file is damaged or built to exhaust the reader`)
          : new ImportError('corrupt', `${what}: the reader failed (${err.message})`),
      );
    });
    this.worker.on('exit', (code) => this.end(new ImportError('corrupt', `${this.pending?.what ?? 'the file'}: the reader stopped (exit code ${code})`)));
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** False once the worker is gone (stopped, dead, or closed): later requests fail. */
  get running(): boolean {
    return this.ended === null;
  }

  /** Sends `request`; `what` names what it reads, for messages ("train.parquet row group 3"). */
  request<K extends WorkerRequest['op']>(request: Extract<WorkerRequest, { op: K }>, what: string): Promise<Answers[K]> {
    throwIfCancelled(this.options.signal);
    if (this.ended) return Promise.reject(this.ended);
    if (this.pending) return Promise.reject(new Error('one import worker request at a time'));
    const seq = ++this.seq;
    return new Promise<Answers[K]>((resolve, reject) => {
      this.pending = { seq, what, resolve: resolve as (value: unknown) => void, reject };
      this.armStall();
      this.worker.postMessage({ seq, request } satisfies WorkerEnvelope);
    });
  }

  /** Ends the worker; a request in flight fails as cancelled. */
  async close(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.end(new ImportError('cancelled', 'the import worker was closed'));
    await this.worker.terminate();
  }

  private receive(reply: WorkerReply): void {
    if (this.ended) return;
    this.armStall();
    if ('alive' in reply) return;
    const pending = this.pending;
    if (!pending || pending.seq !== reply.seq) return;
    this.pending = null;
    this.disarmStall();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new ImportError(reply.error.code, reply.error.message));
  }

  private armStall(): void {
    this.disarmStall();
    if (!this.pending) return;
    const what = this.pending.what;
    this.stall = setTimeout(() => {
      this.end(
        new ImportError(
          'too-slow',
          `${what}: reading it made no progress for ${Math.round(this.stallMs / 1000)} s; the file is damaged or built to exhaust the reader (a decompression bomb, an endless structure)`,
        ),
      );
    }, this.stallMs);
  }

  private disarmStall(): void {
    if (this.stall) clearTimeout(this.stall);
    this.stall = null;
  }

  private end(reason: ImportError): void {
    if (this.ended) return;
    this.ended = reason;
    this.disarmStall();
    // terminate() stops the thread wherever it is, a tight loop included.
    void this.worker.terminate();
    const pending = this.pending;
    this.pending = null;
    pending?.reject(reason);
  }
}

// Runs users' regular expressions where a runaway one cannot block anything: a worker thread, watched by a
// deadline. The worker marks in shared memory which text it is on; a text it has been on for longer than
// the deadline means a backtracking pattern, and the worker is terminated (the host's event loop was free
// all along) and the job refused with PatternCutOffError. The next job starts a fresh worker.
// Plain searches are escaped and linear: they run on the caller's thread, without the round trip.
import type { Worker } from 'node:worker_threads';
import { PATTERN_DEADLINE_MS } from '../limits.js';
import { runPatternJob, type PatternJob, type PatternJobResult, type ReplaceJob, type ReplaceResult, type TestJob, type TestResult } from './pattern-jobs.js';
import { PatternCutOffError, type PatternRunner } from './pattern-runner.js';
import { QueryError } from './query-error.js';

/** What a pattern worker is started with: the counter it writes the index of its current text to. */
export interface PatternWorkerData {
  progress: SharedArrayBuffer;
}

export type PatternWorkerReply = { ok: true; result: PatternJobResult } | { ok: false; message: string };

/** Starts pattern-worker.ts (bundled as dist/pattern-worker.js in the product) with `data` as workerData. */
export type PatternWorkerStarter = (data: PatternWorkerData) => Worker;

/** How long a worker may take to start and take its first job (loading the script), before that is an error. */
const START_MS = 30_000;
/** An idle worker is ended after this long (its heap is some tens of MB of the host's); the next job starts one. */
const IDLE_MS = 60_000;

export class PatternSandbox implements PatternRunner {
  private worker: Worker | null = null;
  private readonly progress = new Int32Array(new SharedArrayBuffer(4));
  /** Jobs run one after the other: the counter describes one job. */
  private queue: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly start: PatternWorkerStarter,
    private readonly deadlineMs = PATTERN_DEADLINE_MS,
  ) {}

  test(job: TestJob): Promise<TestResult> {
    return this.run(job) as Promise<TestResult>;
  }

  replace(job: ReplaceJob): Promise<ReplaceResult> {
    return this.run(job) as Promise<ReplaceResult>;
  }

  /** Ends the worker (the next job starts another). */
  dispose(): void {
    if (this.idle) clearTimeout(this.idle);
    void this.worker?.terminate();
    this.worker = null;
  }

  private run(job: PatternJob): Promise<PatternJobResult> {
    if (job.pattern.literal) return Promise.resolve().then(() => runPatternJob(job, () => undefined));
    const next = this.queue.then(
      () => this.runInWorker(job),
      () => this.runInWorker(job),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private workerNow(): Worker {
    if (this.worker) return this.worker;
    const worker = this.start({ progress: this.progress.buffer as SharedArrayBuffer });
    // An idle worker does not keep a CLI or a test process alive.
    worker.unref();
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null;
    });
    this.worker = worker;
    return worker;
  }

  private runInWorker(job: PatternJob): Promise<PatternJobResult> {
    if (this.idle) clearTimeout(this.idle);
    const worker = this.workerNow();
    Atomics.store(this.progress, 0, -1);
    return new Promise<PatternJobResult>((resolve, reject) => {
      const started = performance.now();
      let seen = -1;
      let since = started;
      let begun = false;
      const finish = (settle: () => void) => {
        clearInterval(watch);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        settle();
      };
      const cutOff = (error: QueryError) => {
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
        finish(() => reject(error));
      };
      // Polled, not told: a worker stuck in a pattern answers nothing.
      const watch = setInterval(
        () => {
          const at = Atomics.load(this.progress, 0);
          const now = performance.now();
          if (at !== seen) {
            seen = at;
            since = now;
            begun ||= at >= 0;
          } else if (at >= 0 && now - since >= this.deadlineMs) cutOff(new PatternCutOffError(now - since, at));
          else if (!begun && now - started >= START_MS) cutOff(new QueryError(`the pattern worker did not start within ${START_MS / 1000} s`));
        },
        Math.max(5, this.deadlineMs / 8),
      );
      const onMessage = (reply: PatternWorkerReply) => finish(() => (reply.ok ? resolve(reply.result) : reject(new QueryError(reply.message))));
      const onError = (err: Error) => {
        if (this.worker === worker) this.worker = null;
        finish(() => reject(new QueryError(`the pattern could not run: ${err.message}`)));
      };
      const onExit = (code: number) => finish(() => reject(new QueryError(`the pattern worker stopped (exit code ${code})`)));
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      // A referenced worker while a job runs: a CLI waits for its answer.
      worker.ref();
      worker.postMessage(job);
    }).finally(() => {
      this.worker?.unref();
      this.idle = setTimeout(() => this.dispose(), IDLE_MS).unref();
    });
  }
}

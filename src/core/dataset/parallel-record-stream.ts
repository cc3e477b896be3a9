// A manifest file streamed as ManifestRecordStream streams it, with the parsing done by worker threads: the
// file is cut into ranges that threads parse side by side (range-record-pass.ts), and their records come
// back packed (record-codec.ts), which costs this thread a sixth of parsing them. Records are handed over in
// file order, a block at a time; a few ranges are parsed ahead, so memory stays bounded. The findings at the
// end (problem lines with their file line numbers, whether the bytes are as saved, the sha256 from a thread
// that reads the file in order) are the sequential stream's.
import type { Worker } from 'node:worker_threads';
import type { ManifestRecord } from '../../shared/record.js';
import { startBundledWorker } from '../util/bundled-worker.js';
import { endWorker } from '../util/end-worker.js';
import { FileHashThread } from './file-hash-thread.js';
import type { ByteRange } from './line-ranges.js';
import { ManifestChangedError, type FileLineSource } from './line-source.js';
import type { ManifestProblem } from './manifest-codec.js';
import { BLOCK_BYTES, EMPTY_SHA256, ManifestOrderError, RecordStream, scaledRecords, streamedManifest } from './manifest-record-stream.js';
import type { RangeBatch, RangeSummary } from './range-record-pass.js';
import type { RangeWorkerData, RangeWorkerReply, RangeWorkerRequest } from './range-record-protocol.js';
import { unpackRecords } from './record-codec.js';
import { RecordOrder } from './record-order.js';

/** Bytes a range covers: its thread's records arrive a block at a time, so this only sets how work is shared. */
export const DEFAULT_RANGE_BYTES = 8 << 20;

export interface ParallelOptions {
  threads: number;
  /** At least a block (the first range must hold the whole first block, as the sequential stream reads it). */
  rangeBytes?: number;
}

/** What a range's thread has sent that the pass has not taken yet. */
interface RangeQueue {
  batches: RangeBatch[];
  summary: RangeSummary | null;
}

/** dist/range-record-worker.js beside the bundle, or the TypeScript source through tsx (tests, the bench). */
function startRangeThread(workerData: RangeWorkerData): Worker {
  return startBundledWorker(__filename, __dirname, 'range-record-worker', { workerData });
}

export class ParallelRecordStream extends RecordStream {
  private readonly ranges: ByteRange[] = [];
  private readonly queues = new Map<number, RangeQueue>();
  private readonly workers: Worker[] = [];
  /** Threads with no range to parse: the window is full, or every range is handed out. */
  private readonly idle: Worker[] = [];
  private hash: FileHashThread | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Ranges handed to a thread so far, and taken by the pass so far. */
  private handedOut = 0;
  private taken = 0;
  /** The threads' ending, once asked for (before it, a thread that exits has failed). */
  private stopping: Promise<unknown> | null = null;

  constructor(
    source: FileLineSource,
    private readonly options: ParallelOptions,
  ) {
    super(source);
    const size = source.stamp.size;
    const rangeBytes = Math.max(options.rangeBytes ?? DEFAULT_RANGE_BYTES, BLOCK_BYTES);
    for (let start = 0; start < size; start += rangeBytes) this.ranges.push({ start, end: Math.min(size, start + rangeBytes) });
  }

  override async *batches(): AsyncGenerator<ManifestRecord[]> {
    const size = this.bytes;
    if (size === 0) {
      this.finished = streamedManifest({ lines: 0, crlf: 0, records: 0, problems: [], size, lastByte: -1, sha256: EMPTY_SHA256 });
      return;
    }
    this.start(size);
    const order = new RecordOrder();
    const problems: ManifestProblem[] = [];
    let lines = 0;
    let crlf = 0;
    try {
      for (let k = 0; k < this.ranges.length; k++) {
        // A problem with no record before it in its range has the last record before the range before it.
        const before = order.previous;
        for (;;) {
          const item = await this.next(k);
          if ('lines' in item) {
            for (const problem of item.problems) problems.push({ ...problem, line: problem.line + lines, after: problem.after ?? before });
            lines += item.lines;
            crlf += item.crlf;
            break;
          }
          const batch = this.take(item, order, lines, size);
          if (batch.length > 0) yield batch;
        }
        this.taken++;
        this.handOut();
      }
      const hashed = await this.hash!.result;
      if (hashed.bytes < size) throw new ManifestChangedError(`${this.source.file} got shorter while it was read`);
      this.source.check();
      problems.push(...order.laterLines);
      problems.sort((a, b) => a.line - b.line);
      this.finished = streamedManifest({ lines, crlf, records: this.records, problems, size, lastByte: hashed.lastByte, sha256: hashed.sha256 });
    } finally {
      void this.stopThreads();
    }
  }

  /** A block's records, checked against the record before them (the previous range's last). */
  private take(batch: RangeBatch, order: RecordOrder, linesBefore: number, size: number): ManifestRecord[] {
    // As the one-thread stream estimates it once its first block is read.
    if (batch.firstBlockRecords !== undefined) this.expectedRecords = scaledRecords(batch.firstBlockRecords, Math.min(BLOCK_BYTES, size), size);
    const records = unpackRecords(batch.packed);
    if (batch.first && records.length > 0 && !order.admit(records[0]!.file_name, linesBefore + batch.first.line, batch.first.span)) records.shift();
    const outOfOrder = order.outOfOrder ?? batch.outOfOrder;
    if (outOfOrder !== null) throw new ManifestOrderError(`${this.source.file} is not sorted by file name (${outOfOrder})`);
    if (records.length > 0) order.previous = records[records.length - 1]!.file_name;
    this.bytesRead = batch.through;
    this.records += records.length;
    return records;
  }

  /** The next thing range `k`'s thread sent: a block's records or, last, its summary. */
  private async next(k: number): Promise<RangeBatch | RangeSummary> {
    for (;;) {
      if (this.failure) throw this.failure;
      const queue = this.queues.get(k);
      const batch = queue?.batches.shift();
      if (batch) return batch;
      if (queue?.summary) {
        this.queues.delete(k);
        return queue.summary;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private start(size: number): void {
    const fd = this.source.descriptorForWorker;
    this.hash = new FileHashThread(fd, size);
    const threads = Math.max(1, Math.min(this.options.threads, this.ranges.length));
    for (let t = 0; t < threads; t++) {
      const worker = startRangeThread({ fd, size, blockBytes: BLOCK_BYTES });
      worker.on('message', (reply: RangeWorkerReply) => this.receive(worker, reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (this.stopping === null) this.fail(new Error(`a thread reading ${this.source.file} stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.give(worker);
    }
  }

  /** Ranges are handed out at most this far ahead of the pass: what waits for it stays bounded. */
  private get window(): number {
    return this.workers.length * 2;
  }

  private give(worker: Worker): void {
    if (this.handedOut >= this.ranges.length || this.handedOut - this.taken >= this.window) {
      this.idle.push(worker);
      return;
    }
    const index = this.handedOut++;
    this.queues.set(index, { batches: [], summary: null });
    worker.postMessage({ index, range: this.ranges[index]! } satisfies RangeWorkerRequest);
  }

  private handOut(): void {
    while (this.idle.length > 0 && this.handedOut < this.ranges.length && this.handedOut - this.taken < this.window) this.give(this.idle.shift()!);
  }

  private receive(worker: Worker, reply: RangeWorkerReply): void {
    const queue = this.queues.get(reply.index);
    if ('error' in reply) {
      this.fail(reply.short ? new ManifestChangedError(`${this.source.file} got shorter while it was read`) : new Error(`cannot read ${this.source.file}: ${reply.error}`));
      return;
    }
    if (!queue) return;
    if ('batch' in reply) queue.batches.push(reply.batch);
    else {
      queue.summary = reply.summary;
      this.give(worker);
    }
    this.wakeUp();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private stopThreads(): Promise<unknown> {
    this.stopping ??= Promise.allSettled([...this.workers.map((w) => endWorker(w, () => w.postMessage({ end: true } satisfies RangeWorkerRequest))), this.hash?.stop()]);
    return this.stopping;
  }

  /** Closes the file once no thread reads it any more: its descriptor number must not be reused under a read. */
  override close(): void {
    void this.stopThreads().then(() => this.source.close());
  }
}

// The export's side of its card-facts thread (card-facts-worker.ts): the spans of the lines it wrote go
// to the thread in chunks, in file order, and the habit report of their texts comes back once the pass is over.
import type { Worker } from 'node:worker_threads';
import type { LineSpan } from '../../dataset/manifest-codec.js';
import { startBundledWorker } from '../../util/bundled-worker.js';
import type { HabitTextReport } from '../../analysis/habit-report.js';
import type { CardFactsReply, CardFactsRequest, CardFactsWorkerData } from './card-facts-protocol.js';

/** Lines per message: a few thousand spans are 64 KB, posted without a copy. */
const SPANS_PER_CHUNK = 4096;

export class CardFactsThread {
  private readonly worker: Worker;
  private chunk = new Float64Array(SPANS_PER_CHUNK * 2);
  private used = 0;
  private readonly answer: Promise<HabitTextReport>;

  /** `fd` stays open until stop() has resolved: the thread reads through it. */
  constructor(fd: number, size: number) {
    this.worker = startBundledWorker(__filename, __dirname, 'card-facts-worker', { workerData: { fd, size } satisfies CardFactsWorkerData });
    this.answer = new Promise<HabitTextReport>((resolve, reject) => {
      this.worker.once('message', (reply: CardFactsReply) => ('texts' in reply ? resolve(reply.texts) : reject(new Error(`the dataset card's facts: ${reply.error}`))));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the dataset card's thread stopped (exit code ${code}) before it answered`)));
    });
    // Asked for by finish(); a pass given up never asks.
    this.answer.catch(() => undefined);
  }

  add(line: LineSpan): void {
    this.chunk[this.used++] = line.offset;
    this.chunk[this.used++] = line.length;
    if (this.used === this.chunk.length) this.post();
  }

  /** The habit report of the texts of every line added. */
  finish(): Promise<HabitTextReport> {
    this.post();
    this.worker.postMessage({ end: true } satisfies CardFactsRequest);
    return this.answer;
  }

  /** Ends the thread; resolves once it is gone (then the descriptor it read may be closed). */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }

  private post(): void {
    if (this.used === 0) return;
    const spans = this.used === this.chunk.length ? this.chunk : this.chunk.slice(0, this.used);
    this.worker.postMessage({ spans } satisfies CardFactsRequest, [spans.buffer]);
    this.chunk = new Float64Array(SPANS_PER_CHUNK * 2);
    this.used = 0;
  }
}

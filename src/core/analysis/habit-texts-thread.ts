// The sender's side of a habit report's texts thread (habit-texts-worker.ts, or an export's thread that
// writes lines from the same texts): what the report reads of each record goes to the thread in chunks, and
// the report of those texts comes back at the end.
import type { Worker } from 'node:worker_threads';
import type { ManifestRecord } from '../../shared/record.js';
import { startBundledWorker } from '../util/bundled-worker.js';
import { endWorker } from '../util/end-worker.js';
import type { HabitTextReport } from './habit-report.js';
import { RECORD_FLAGS, RECORD_SLOTS, type HabitTextsChunk, type HabitTextsReply, type HabitTextsRequest, type HabitTextsSetup } from './habit-texts-protocol.js';

/** Records per message: a few thousand records' texts are a few MB, sent while the next are gathered. */
const RECORDS_PER_CHUNK = 512;

/** Chunks sent and not yet measured before add() asks its caller to wait: the texts held stay bounded. */
const CHUNKS_IN_FLIGHT = 16;

/** Starts the thread that receives the texts, given the report's setup. */
export type StartTextsWorker = (setup: HabitTextsSetup) => Worker;

/** A thread other than the report's own that receives the texts (an export's), and its name in errors. */
export interface TextsWorker {
  start: StartTextsWorker;
  name: string;
}

const startHabitTextsWorker: StartTextsWorker = (setup) => startBundledWorker(__filename, __dirname, 'habit-texts-worker', { workerData: setup });

export class HabitTextsThread {
  private readonly worker: Worker;
  private chunk: HabitTextsChunk = [];
  private marks: number[] = [];
  private facts: HabitTextsChunk = [];
  private readonly answer: Promise<HabitTextReport>;
  private inFlight = 0;
  private expected = 0;
  /** The thread answered, failed or was ended: nothing is waited for any more (finish() says how it ended). */
  private settled = false;
  /** Why the thread failed, once it has: the next add() throws it rather than go on sending. */
  private failure: Error | null = null;
  /** Resolves the caller waiting for the thread to catch up. */
  private caughtUp: (() => void) | null = null;

  constructor(setup: HabitTextsSetup, other?: TextsWorker) {
    this.worker = (other?.start ?? startHabitTextsWorker)(setup);
    const name = other?.name ?? "the caption habit report's thread";
    this.answer = new Promise<HabitTextReport>((resolve, reject) => {
      this.worker.on('message', (reply: HabitTextsReply) => {
        if ('measured' in reply) this.measured();
        else if ('texts' in reply) resolve(reply.texts);
        else reject(threadError(reply.error, reply.code));
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`${name} stopped (exit code ${code}) before it answered`)));
    });
    // Asked for by finish(); a pass given up never asks. A thread gone wakes a caller waiting for it.
    void this.answer
      .catch((err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.settled = true;
        this.measured();
      });
  }

  /**
   * Adds the record's texts; a promise when the caller must wait for the thread before adding more.
   * `expected`: the records the caller expects in all, for a sampled report's share. `mark` and `facts`: what
   * the thread gets beside the record (HabitTextsRequest); each given for every record or for none, `facts`
   * the same number of values each time. Throws once the thread has failed.
   */
  add(record: ManifestRecord, expected = 0, mark?: number, facts?: HabitTextsChunk): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.expected = expected;
    if (mark !== undefined) this.marks.push(mark);
    if (facts !== undefined) for (const fact of facts) this.facts.push(fact);
    const { alt, ssc, dsc } = record;
    const flags = (record.missing ? RECORD_FLAGS.missing : 0) | (ssc?.finish === 'length' ? RECORD_FLAGS.sscStopped : 0) | (dsc?.finish === 'length' ? RECORD_FLAGS.dscStopped : 0);
    this.chunk.push(record.file_name, record.score_model ?? null, flags, alt?.text ?? null, alt?.score ?? null, ssc?.text ?? null, ssc?.score ?? null, dsc?.text ?? null, dsc?.score ?? null);
    if (this.chunk.length < RECORDS_PER_CHUNK * RECORD_SLOTS) return undefined;
    this.post();
    if (this.inFlight < CHUNKS_IN_FLIGHT || this.settled) return undefined;
    return new Promise<void>((resolve) => (this.caughtUp = resolve));
  }

  /** The habit report of the texts of every record added; the thread ends once it has answered. */
  async finish(): Promise<HabitTextReport> {
    this.post();
    this.worker.postMessage({ end: true } satisfies HabitTextsRequest);
    try {
      return await this.answer;
    } finally {
      // Once it has answered (or failed) the thread closes its port and exits by itself.
      await endWorker(this.worker, () => undefined);
    }
  }

  /** Ends the thread of a pass given up: it answers nothing, and an export's closes its files unfinished. */
  stop(): Promise<void> {
    return endWorker(this.worker, () => this.worker.postMessage({ stop: true } satisfies HabitTextsRequest));
  }

  private post(): void {
    if (this.chunk.length === 0) return;
    const marks = this.marks.length > 0 ? this.marks : undefined;
    const facts = this.facts.length > 0 ? this.facts : undefined;
    this.worker.postMessage({ chunk: this.chunk, expected: this.expected, marks, facts } satisfies HabitTextsRequest);
    this.chunk = [];
    this.marks = [];
    this.facts = [];
    this.inFlight++;
  }

  private measured(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const wake = this.caughtUp;
    this.caughtUp = null;
    wake?.();
  }
}

/** The thread's error as it was raised there, with its code (a full disk's ENOSPC). */
function threadError(message: string, code: string | undefined): Error {
  const err: NodeJS.ErrnoException = new Error(message);
  if (code !== undefined) err.code = code;
  return err;
}

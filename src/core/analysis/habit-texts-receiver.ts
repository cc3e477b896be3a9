// The receiving end of a habit report's texts thread: the records' texts come in chunks
// (habit-texts-protocol.ts) and are measured, or only counted outside a sample. The report's own thread
// (habit-texts-worker.ts) and an export's, which writes lines from the same texts, both serve their
// requests with serveTexts.
import type { MessagePort } from 'node:worker_threads';
import type { CaptionText, CaptionTexts } from './caption-texts.js';
import { HabitReportBuilder, type HabitTextReport } from './habit-report.js';
import { RECORD_FLAGS, RECORD_SLOTS, TEXT_SLOT, type HabitTextsChunk, type HabitTextsReply, type HabitTextsRequest, type HabitTextsSetup } from './habit-texts-protocol.js';
import { RecordSample } from './record-sample.js';

function textAt(chunk: HabitTextsChunk, at: number, stopped: boolean): CaptionText | null {
  const text = chunk[at];
  if (typeof text !== 'string') return null;
  const score = chunk[at + 1];
  return { text, score: typeof score === 'number' ? score : undefined, stopped };
}

/** The texts of the chunk's record at `at` (a multiple of RECORD_SLOTS); throws on a malformed one. */
function textsAt(chunk: HabitTextsChunk, at: number): CaptionTexts {
  const fileName = chunk[at];
  const scoreModel = chunk[at + 1];
  const flags = chunk[at + 2];
  if (typeof fileName !== 'string') throw new Error(`record ${at / RECORD_SLOTS} of a chunk has no file name`);
  if (typeof flags !== 'number') throw new Error(`record ${at / RECORD_SLOTS} of a chunk has no flags`);
  return {
    fileName,
    scoreModel: typeof scoreModel === 'string' ? scoreModel : undefined,
    missing: (flags & RECORD_FLAGS.missing) !== 0,
    alt: textAt(chunk, at + TEXT_SLOT.alt, false),
    ssc: textAt(chunk, at + TEXT_SLOT.ssc, (flags & RECORD_FLAGS.sscStopped) !== 0),
    dsc: textAt(chunk, at + TEXT_SLOT.dsc, (flags & RECORD_FLAGS.dscStopped) !== 0),
  };
}

export class HabitTextsReceiver {
  private readonly report: HabitReportBuilder;
  private readonly sample: RecordSample | null;

  constructor(setup: HabitTextsSetup) {
    this.report = new HabitReportBuilder({ loopPhrases: setup.loopPhrases });
    this.sample = setup.sample ? new RecordSample(setup.sample) : null;
  }

  /** Measures or counts each record of the chunk; `each` is given each record's texts and index, in order. */
  add(chunk: HabitTextsChunk, expected: number, each?: (texts: CaptionTexts, record: number) => void): void {
    if (chunk.length % RECORD_SLOTS !== 0) throw new Error(`a chunk of ${chunk.length} values is not whole records`);
    const { sample, report } = this;
    sample?.expect(expected);
    for (let at = 0; at < chunk.length; at += RECORD_SLOTS) {
      const texts = textsAt(chunk, at);
      if (!sample || sample.measures(texts.fileName)) report.addCaptionTexts(texts);
      else report.countCaptionTexts(texts);
      each?.(texts, at / RECORD_SLOTS);
    }
  }

  /** The report of every text received. */
  finish(): HabitTextReport {
    return this.report.finishTexts();
  }
}

/** Checks a thread's workerData as its sender builds it. */
export function isHabitTextsSetup(setup: unknown): setup is HabitTextsSetup {
  const s = setup as Partial<HabitTextsSetup> | null;
  return typeof s?.loopPhrases === 'boolean' && s.sample !== undefined;
}

/** What a texts thread does with each record's texts besides measuring them (an export's writes its line). */
export interface TextsConsumer {
  /**
   * Takes a record's texts and its mark, and the chunk's facts with the record's index in the chunk (its
   * facts are at that index times their number per record); a promise when the chunk is done only once it settles.
   */
  take(texts: CaptionTexts, mark: number | undefined, facts: HabitTextsChunk | undefined, record: number): Promise<void> | undefined;
  /** Finishes before the report is answered (files flushed and synced). */
  close(): Promise<void>;
  /** The sender gave up, or the thread failed: what is open is closed unfinished. */
  abort(): Promise<void>;
}

/**
 * Answers the sender's requests on `port` one at a time, in order: each chunk is measured (and given to
 * `consumer`) before it is reported done; `end` is answered with the report, `stop` with nothing. A failure
 * is answered once, with its code and `failurePrefix` before its message, and ends the thread; requests
 * still queued then are dropped. The port is closed at the end, so the thread exits on its own
 * (util/end-worker.ts).
 */
export function serveTexts(port: MessagePort, receiver: HabitTextsReceiver, consumer: TextsConsumer | null, failurePrefix = ''): void {
  let over = false;

  const handle = async (request: HabitTextsRequest): Promise<void> => {
    if (over) return;
    if ('chunk' in request) {
      const waits: Promise<void>[] = [];
      const { marks, facts } = request;
      const each = consumer
        ? (texts: CaptionTexts, record: number) => {
            const wait = consumer.take(texts, marks?.[record], facts, record);
            if (wait) waits.push(wait);
          }
        : undefined;
      receiver.add(request.chunk, request.expected, each);
      await Promise.all(waits);
      port.postMessage({ measured: true } satisfies HabitTextsReply);
    } else if ('stop' in request) {
      over = true;
      await consumer?.abort();
      port.close();
    } else {
      await consumer?.close();
      port.postMessage({ texts: receiver.finish() } satisfies HabitTextsReply);
      port.close();
    }
  };

  const fail = async (err: unknown): Promise<void> => {
    if (over) return;
    over = true;
    const { message, code } = err instanceof Error ? (err as NodeJS.ErrnoException) : { message: String(err), code: undefined };
    port.postMessage({ error: failurePrefix + message, code } satisfies HabitTextsReply);
    await consumer?.abort().catch(() => undefined);
    port.close();
  };

  let work = Promise.resolve();
  port.on('message', (request: HabitTextsRequest) => {
    work = work.then(() => handle(request)).catch(fail);
  });
}

// The habit report of a dataset's records without holding the caller's thread for long: the records are read
// a batch at a time with a turn of the event loop between batches, the audit is taken here and the texts
// (with their defect flags) measured on a thread of their own (habit-texts-thread.ts). Show Caption Report runs it
// on the extension host, where nothing may hold the thread; `recaption stats --report` gets the second core.
import { setImmediate as turn } from 'node:timers/promises';
import type { ManifestRecord } from '../../shared/record.js';
import { DEFAULT_REPORT_OPTIONS, RecordTallies, type HabitReport, type HabitReportOptions } from './habit-report.js';
import type { HabitTextsChunk } from './habit-texts-protocol.js';
import { HabitTextsThread, type TextsWorker } from './habit-texts-thread.js';
import type { RecordSampleOptions } from './record-sample.js';

/** Records read between two turns of the event loop (a few milliseconds of work). */
const RECORDS_PER_TURN = 512;

/** The options a threaded report takes: the defaults otherwise; no sample measures every record. */
export type ThreadedReportOptions = Partial<Pick<HabitReportOptions, 'loopPhrases'>> & { sample?: RecordSampleOptions | null };

/**
 * The habit report built record by record, its texts measured on a thread of their own: the audit is
 * taken here. add() says when to wait for the thread; a builder given up must be stopped.
 */
export class ThreadedHabitReport {
  private readonly tallies = new RecordTallies();
  private readonly texts: HabitTextsThread;

  /** `other`: the thread the texts go to, when it is not the report's own (an export's writes lines too). */
  constructor(options: ThreadedReportOptions = {}, other?: TextsWorker) {
    this.texts = new HabitTextsThread({ loopPhrases: options.loopPhrases ?? DEFAULT_REPORT_OPTIONS.loopPhrases, sample: options.sample ?? null }, other);
  }

  /**
   * Adds the record; a promise when the caller must wait for the texts' thread before adding more.
   * `expected`: the records the caller expects in all, for a sample's share; `mark`, `facts`: HabitTextsThread.add's.
   */
  add(record: ManifestRecord, expected?: number, mark?: number, facts?: HabitTextsChunk): Promise<void> | undefined {
    this.tallies.add(record);
    return this.texts.add(record, expected, mark, facts);
  }

  /** The report of every record added; the thread ends once it has answered. */
  async finish(): Promise<HabitReport> {
    return this.tallies.report(await this.texts.finish());
  }

  /** Ends the thread of a report given up. */
  stop(): Promise<void> {
    return this.texts.stop();
  }
}

/** computeHabitReport's report, with the default options; rejects with the signal's reason once it is aborted. */
export async function habitReportOf(records: Iterable<ManifestRecord>, signal?: AbortSignal): Promise<HabitReport> {
  const report = new ThreadedHabitReport();
  try {
    let read = 0;
    for (const record of records) {
      const caughtUp = report.add(record);
      if (caughtUp) await caughtUp;
      if (++read % RECORDS_PER_TURN === 0) {
        await turn();
        signal?.throwIfAborted();
      }
    }
    return await report.finish();
  } catch (err) {
    await report.stop();
    throw err;
  }
}

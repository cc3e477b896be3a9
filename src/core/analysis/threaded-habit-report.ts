// The habit report of a dataset's records without holding the caller's thread for long: the records are read
// a batch at a time with a turn of the event loop between batches, the counts of whole records are taken
// here and the texts measured on a thread of their own (habit-texts-thread.ts). Show Caption Report runs it
// on the extension host, where nothing may hold the thread; `recaption stats --report` gets the second core.
import { setImmediate as turn } from 'node:timers/promises';
import type { ManifestRecord } from '../../shared/record.js';
import { RecordTallies, type HabitReport } from './habit-report.js';
import { HabitTextsThread } from './habit-texts-thread.js';

/** Records read between two turns of the event loop (a few milliseconds of work). */
const RECORDS_PER_TURN = 512;

/** computeHabitReport's report, with the default options; rejects with the signal's reason once it is aborted. */
export async function habitReportOf(records: Iterable<ManifestRecord>, signal?: AbortSignal): Promise<HabitReport> {
  const tallies = new RecordTallies();
  const texts = new HabitTextsThread();
  try {
    let read = 0;
    for (const record of records) {
      tallies.add(record);
      const caughtUp = texts.add(record);
      if (caughtUp) await caughtUp;
      if (++read % RECORDS_PER_TURN === 0) {
        await turn();
        signal?.throwIfAborted();
      }
    }
    return tallies.report(await texts.finish());
  } catch (err) {
    await texts.stop();
    throw err;
  }
}

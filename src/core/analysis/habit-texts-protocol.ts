// The messages between a habit report's builder and its texts thread (habit-texts-worker.ts): the thread is
// sent what the report reads of each record, in order, a chunk of records at a time, and says when it has
// measured each; after `end` it answers with the report of those texts, or why it could not make it.
import type { HabitTextReport } from './habit-report.js';
import type { RecordSampleOptions } from './record-sample.js';

/**
 * Per record, RECORD_SLOTS values in a row: file name, score model, flags (RECORD_FLAGS), then text and
 * score of the alt-text, the SSC and the DSC (null where there is none). Flat: one array of strings and
 * numbers is cheap to send.
 */
export type HabitTextsChunk = (string | number | null)[];

export const RECORD_SLOTS = 9;

/** Where in a record's slots each text is (its score follows it). */
export const TEXT_SLOT = { alt: 3, ssc: 5, dsc: 7 } as const;

/** The bits of a record's flags slot. */
export const RECORD_FLAGS = { missing: 1, sscStopped: 2, dscStopped: 4 } as const;

/** What the thread is started with (its workerData): the report's options that its texts' measures depend on. */
export interface HabitTextsSetup {
  loopPhrases: boolean;
  /** Measure a seeded sample of the records in full and only count the others' texts; null: measure every one. */
  sample: RecordSampleOptions | null;
}

/**
 * `expected`: the records the sender expects in all, as it knows it now (a sample's share is fixed by the
 * first). `marks`: a number per record, when the thread does more with the texts than measure them (an
 * export's thread writes its lines: export/texts-thread/); `facts`: as many values per record beside it,
 * when that needs more (an export's shard sample: its image's size and hash). `end`: answer with the
 * report; `stop`: the sender gave up, answer nothing.
 */
export type HabitTextsRequest = { chunk: HabitTextsChunk; expected: number; marks?: number[]; facts?: HabitTextsChunk } | { end: true } | { stop: true };

/** `measured`: one chunk is done (the sender keeps a few in flight, not a queue as long as the export). */
export type HabitTextsReply = { measured: true } | { texts: HabitTextReport } | { error: string; code?: string };

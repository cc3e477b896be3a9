// The messages between an export and its card-texts thread (card-texts-worker.ts): the thread is sent what
// the habit report reads of each record the export wrote, in order, a chunk of records at a time, and says
// when it has measured each; after `end` it answers with the habit report of those texts, or why it could not.
import type { HabitTextReport } from '../../analysis/habit-report.js';

/**
 * Per record, RECORD_SLOTS values in a row: file name, score model, then text and score of the alt-text,
 * the SSC and the DSC (null where there is none). Flat: one array of strings and numbers is cheap to send.
 */
export type CardTextsChunk = (string | number | null)[];

export const RECORD_SLOTS = 8;

export type CardTextsRequest = { chunk: CardTextsChunk } | { end: true };

/** `measured`: one chunk is done (the sender keeps a few in flight, not a queue as long as the export). */
export type CardTextsReply = { measured: true } | { texts: HabitTextReport } | { error: string };

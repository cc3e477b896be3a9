// The messages between an export and its card-facts thread (card-facts-worker.ts): the thread is started
// with the manifest's descriptor and size, is sent the spans of the lines the export wrote, in file order,
// a chunk at a time, then `end`; it answers once, with the habit report of their texts or why it could not.
import type { HabitTextReport } from '../../analysis/habit-report.js';

export interface CardFactsWorkerData {
  /** The manifest's open descriptor (threads share them); the export keeps it open until the answer. */
  fd: number;
  /** The file's size when the export opened it: no span reaches past it. */
  size: number;
}

export type CardFactsRequest =
  /** Pairs of (offset, length) of lines, each a record the export wrote, ascending. */
  | { spans: Float64Array }
  | { end: true };

export type CardFactsReply = { texts: HabitTextReport } | { error: string };

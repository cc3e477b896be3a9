// The messages between `recaption stats` and its threads (stats-worker.ts): the thread is started with the
// file and whether to measure the flags, is sent one range at a time, and answers each with its part.
import type { ByteRange } from '../dataset/line-ranges.js';
import type { StatsPart } from './stats-pass.js';

export interface StatsWorkerData {
  file: string;
  flags: boolean;
}

/** A range to read; `end`: there are no more, the thread exits (util/end-worker.ts). */
export type StatsWorkerRequest = { index: number; range: ByteRange } | { end: true };

export type StatsWorkerReply = { index: number; part: StatsPart } | { index: number; error: string };

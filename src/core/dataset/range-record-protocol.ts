// The messages between a streamed pass over a manifest file (parallel-record-stream.ts) and its parsing
// threads (range-record-worker.ts): a thread is started with the file's descriptor and size, is sent one
// range at a time, and answers with the range's records a block at a time, then its summary, or why it failed.
import type { ByteRange } from './line-ranges.js';
import type { RangeBatch, RangeSummary } from './range-record-pass.js';

export interface RangeWorkerData {
  /** A descriptor of the file the pass holds open until every thread is gone (threads share descriptors). */
  fd: number;
  size: number;
  blockBytes: number;
}

/** A range to parse; `end`: there are no more, the thread exits (util/end-worker.ts). */
export type RangeWorkerRequest = { index: number; range: ByteRange } | { end: true };

export type RangeWorkerReply =
  | { index: number; batch: RangeBatch }
  | { index: number; summary: RangeSummary }
  /** `short`: the file got shorter while it was read. */
  | { index: number; error: string; short: boolean };

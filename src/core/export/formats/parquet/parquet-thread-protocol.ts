// The messages between a Parquet export and its thread (parquet-worker.ts): the thread is started with
// where and how to write, is sent the row groups of each split in order, and answers every request once
// it is done, or with why it failed (the error's message and code, as the export reports them).
import type { Split } from '../../types.js';
import type { RowGroup, SplitShardsOptions } from './split-shards.js';

export interface ParquetThreadSetup extends SplitShardsOptions {
  /** The data folder the shards go into (made with the first shard). */
  folder: string;
}

/** What the thread is asked to do. `close`: finish every split's shards and give them their names; `abort`: close files unfinished. */
export type ParquetWork = { split: Split; group: RowGroup } | { close: true } | { abort: true };

/** A piece of work with the id its answer carries. */
export type ParquetRequest = ParquetWork & { id: number };

export type ParquetReply = { id: number; done: true } | { id: number; error: string; code?: string };

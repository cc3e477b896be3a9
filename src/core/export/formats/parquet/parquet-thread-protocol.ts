// The messages between a Parquet export and its thread (parquet-worker.ts): the thread is started with
// where and how to write, is sent the row groups of each split in order, and answers every request once
// it is done, or with why it failed (the error's message and code, as the export reports them).
import type { Split } from '../../types.js';
import type { RowGroup, SplitShardsOptions } from './split-shards.js';

export interface ParquetThreadSetup extends SplitShardsOptions {
  /** The data folder the shards go into (made with the first shard). */
  folder: string;
}

/** `close`: finish every split's shards and give them their names; `abort`: close files unfinished. */
export type ParquetRequest = { id: number; split: Split; group: RowGroup } | { id: number; close: true } | { id: number; abort: true };

export type ParquetReply = { id: number; done: true } | { id: number; error: string; code?: string };

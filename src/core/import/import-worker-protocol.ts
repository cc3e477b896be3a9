// The messages between an import and its worker (import-worker.ts). One request at a time; each answer
// carries the request's number. The worker also says it is alive ({ alive }) while it reads, so the
// import's watchdog can tell a long file from a stuck one.
import type { ImportErrorCode } from './import-errors.js';
import type { RowBatch } from './import-rows.js';
import type { ColumnChoice } from './parquet-columns.js';
import type { RowGroupInfo } from './parquet-file.js';
import type { ParquetLimits, ParquetPlan } from './parquet-rows.js';
import type { SourceFile } from './source-files.js';

/** workerData.role of the import's image writer thread (the same entry as the reader's). */
export const IMAGE_WRITER_ROLE = 'image-writer';

export interface ShardLimits {
  maxImageBytes: number;
}

export type WorkerRequest =
  /** Opens a Parquet file: its columns chosen and every row group checked. */
  | { op: 'plan-parquet'; file: SourceFile; named: { image?: string; caption?: string }; limits: ParquetLimits }
  /** Checks a shard is a plain tar. */
  | { op: 'plan-shard'; file: SourceFile }
  /** Starts reading the rows of row groups, in the order given (then 'next' until done). */
  | { op: 'open-row-groups'; file: SourceFile; groups: RowGroupInfo[]; choice: ColumnChoice; limits: ParquetLimits }
  /** Starts reading a shard's samples (then 'next' until done). */
  | { op: 'open-shard'; file: SourceFile; limits: ShardLimits }
  | { op: 'next' }
  | { op: 'close' };

export interface Answers {
  'plan-parquet': ParquetPlan;
  'plan-shard': null;
  'open-row-groups': null;
  'open-shard': null;
  next: { batch: RowBatch | null };
  close: null;
}

export type WorkerReply =
  | { seq: number; ok: true; value: unknown }
  | { seq: number; ok: false; error: { code: ImportErrorCode; message: string } }
  | { alive: true };

export interface WorkerEnvelope {
  seq: number;
  request: WorkerRequest;
}

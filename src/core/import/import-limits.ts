// The bounds of an import, defined once. Parquet files and tar shards come from strangers: every parser
// of them works within these numbers, and runs in a worker thread (import-worker.ts) whose heap and
// time are bounded too, so a file built to exhaust the reader costs one error message, never the
// extension host or the CLI. The caption limit is every writer's (src/core/limits.ts).

/** Images over this many bytes are skipped (an ImportOptions default). */
export const DEFAULT_MAX_IMPORTED_IMAGE_BYTES = 256 << 20;

/**
 * Bytes of one Parquet row group's chosen columns that an import reads, compressed, and again inflated
 * (an ImportOptions default). The footer's sizes are checked against it before anything is written;
 * the pages' own bytes count against it as they are read and inflated, whatever the footer said.
 */
export const DEFAULT_MAX_ROW_GROUP_BYTES = 512 << 20;

/**
 * Rows in one Parquet row group. Each row costs memory however small its values (a null costs a level,
 * an array slot and a report entry), so a run-length run of 2^24 nulls in 138 bytes is refused by its
 * count. pyarrow writes at most 1,048,576 rows per row group by default; image sets far fewer.
 */
export const MAX_ROW_GROUP_ROWS = 1 << 20;

/** A Parquet footer (the file's metadata) longer than this is refused before it is parsed. */
export const MAX_FOOTER_BYTES = 64 << 20;

/**
 * Values (struct fields, list items) in a Parquet footer: each becomes an object when hyparquet parses it,
 * and a list is allocated whole, so a footer of 60 million one-byte structs would ask for gigabytes at
 * once (past a worker's heap limit a single allocation takes the process down). A footer is walked and
 * counted first, allocating nothing. A wide file (1,000 columns in 100 row groups) has about 4 million.
 */
export const MAX_FOOTER_VALUES = 4_000_000;

/** A page header longer than this is refused (real ones are bytes to kilobytes; statistics make them longer). */
export const MAX_PAGE_HEADER_BYTES = 16 << 20;

/** Thrift structs nested deeper than this in a page header are refused (Parquet's nest three deep). */
export const MAX_THRIFT_DEPTH = 32;

/** An image path in a Parquet column longer than this is not a path. */
export const MAX_IMAGE_PATH_BYTES = 4096;

/** Bytes of a shard's .txt/.caption/.json member read into memory, at most; a longer one is reported. */
export const MAX_TEXT_MEMBER_BYTES = 4 << 20;

/** A WebDataset key (a member's path up to its suffix) longer than this is refused with its sample. */
export const MAX_KEY_CHARS = 1024;

/** The import worker's V8 heap: old and young generations (ArrayBuffers are bounded by the byte limits above). */
export const WORKER_HEAP_MB = 768;
export const WORKER_YOUNG_HEAP_MB = 64;

/**
 * How long the worker may go without a sign of progress (an answer, a page decoded, a megabyte of a shard
 * read) before it is stopped: a real file gives one every few milliseconds, a decompression bomb or an
 * endless loop none.
 */
export const WORKER_STALL_MS = 20_000;

/**
 * Rows (or samples) and image bytes handed from the worker at once: small enough that reading, probing
 * and writing overlap from the first batch to the last, large enough that a message carries many images.
 */
export const BATCH_ROWS = 128;
export const BATCH_BYTES = 16 << 20;

/** Units (row groups, shards) whose images may still be being written while the next is read. */
export const UNITS_FINISHING = 2;

/** Batches of images handed to the writer thread and not yet written, at most (each up to BATCH_BYTES). */
export const WRITE_JOBS_IN_FLIGHT = 2;

/**
 * Images and bytes written between two syncs of the output (import-commits.ts), at most about: what a
 * power cut can cost an import (the next run writes it again), and what is synced at once. Each sync
 * starts a process (`sync -f`, sync-written.ts), a few tens of milliseconds of the import's thread.
 */
export const SYNC_IMAGES = 1024;
export const SYNC_BYTES = 128 << 20;

/** Warnings a report lists one by one; the rest are counted. */
export const MAX_LISTED_WARNINGS = 20;

// One range of a manifest file parsed on a worker thread for a streamed pass (parallel-record-stream.ts):
// the records of the lines that start in [start, end), packed a block at a time for the pass's thread, in
// order, with the problems and line counts of the range. Line numbers are the range's own (from 1); the pass
// adds the lines of the ranges before. The file is read through a descriptor the pass holds open, so every
// range reads the same file.
import * as fs from 'node:fs';
import type { ManifestRecord } from '../../shared/record.js';
import { CountingParser } from './counting-parser.js';
import { LineSplitter } from './line-splitter.js';
import type { ByteRange } from './line-ranges.js';
import type { LineSpan, ManifestProblem } from './manifest-codec.js';
import { RecordPacker, type PackedRecords } from './record-codec.js';
import { RecordOrder } from './record-order.js';

/** The records of one block of a range. */
export interface RangeBatch {
  packed: PackedRecords;
  /** The first record's line (the range's numbering) and span: the pass checks it against the range before. */
  first: { line: number; span: LineSpan } | null;
  /** Where in the file the block's bytes end. */
  through: number;
  /** The first record in the block that came after a greater name, as a message. */
  outOfOrder: string | null;
  /** In the first block of the file: the records of its lines, what the pass's record estimate is made from. */
  firstBlockRecords?: number;
}

/** What a range's pass found beside its records. */
export interface RangeSummary {
  lines: number;
  crlf: number;
  /**
   * Problem lines and later lines of a name, numbered within the range, not in order (the pass sorts every
   * range's together); `after` null: no record before it in the range.
   */
  problems: ManifestProblem[];
}

/** Thrown when the file is shorter than it was when opened. */
export class RangeShortError extends Error {
  override name = 'RangeShortError';
}

/** The file's bytes at `position`, `length` at most, read synchronously (a worker's thread may block). */
function readAt(fd: number, target: Buffer, length: number, position: number): Buffer {
  const n = fs.readSync(fd, target, 0, length, position);
  if (n === 0) throw new RangeShortError('the file got shorter while it was read');
  return target.subarray(0, n);
}

/** Where the first line that starts at or after `at` starts (after the first "\n" at or after at - 1); `size` when none. */
function lineStartFrom(fd: number, block: Buffer, at: number, size: number): number {
  for (let from = at - 1; from < size; ) {
    const bytes = readAt(fd, block, Math.min(block.length, size - from), from);
    const nl = bytes.indexOf(10);
    if (nl !== -1) return from + nl + 1;
    from += bytes.length;
  }
  return size;
}

/**
 * Parses the lines of `fd` (a file of `size` bytes) that start in `range`, reading `blockBytes` at a time,
 * and hands each block's records to `emit`. A range that starts at 0 reads its first block as a streamed
 * pass over the whole file does, so the first block's record count is the same.
 */
export function readRange(fd: number, size: number, range: ByteRange, blockBytes: number, emit: (batch: RangeBatch) => void): RangeSummary {
  const block = Buffer.allocUnsafe(blockBytes);
  const start = range.start === 0 ? 0 : lineStartFrom(fd, block, range.start, size);
  const packer = new RecordPacker();
  const order = new RecordOrder();
  let first: RangeBatch['first'] = null;
  let admitted = 0;
  const parser = new CountingParser((record: ManifestRecord) => {
    if (!order.admit(record.file_name, parser.lines, splitter.span)) return;
    if (packer.size === 0) first = { line: parser.lines, span: { ...splitter.span } };
    packer.add(record);
    admitted++;
  }, false, start === 0);
  const splitter = new LineSplitter(parser, start);
  let position = start;
  let lastFed = 10;
  let reported: string | null = null;
  const hand = (firstBlock: boolean) => {
    const outOfOrder = order.outOfOrder !== reported ? order.outOfOrder : null;
    reported = order.outOfOrder;
    emit({ packed: packer.take(), first, through: position, outOfOrder, ...(firstBlock ? { firstBlockRecords: admitted } : {}) });
    first = null;
  };
  const feed = (bytes: Buffer) => {
    splitter.add(bytes);
    position += bytes.length;
    lastFed = bytes[bytes.length - 1]!;
  };
  // The range's lines: those that start before its end.
  for (let chunk = 0; position < range.end; chunk++) {
    feed(readAt(fd, block, Math.min(blockBytes, range.end - position), position));
    hand(start === 0 && chunk === 0);
  }
  // The last of them may end beyond it: it is read to its line break, or to the end of the file.
  while (lastFed !== 10 && position < size) {
    const bytes = readAt(fd, block, Math.min(blockBytes, size - position), position);
    const nl = bytes.indexOf(10);
    feed(nl === -1 ? bytes : bytes.subarray(0, nl + 1));
  }
  if (position >= size) splitter.finish();
  if (packer.size > 0) hand(false);
  return { lines: parser.lines, crlf: parser.crlf, problems: [...parser.finish().problems, ...order.laterLines] };
}

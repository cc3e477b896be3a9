// A file cut into byte ranges that start at line starts, so each can be read on its own (a pass split over
// threads): a line is never cut, however long it is.
import type { FileHandle } from 'node:fs/promises';

export interface ByteRange {
  start: number;
  end: number;
}

const PROBE_BYTES = 64 << 10;

/** The first line start at or after `at` (after the first "\n" at or after at - 1); `size` when none. */
async function lineStartFrom(handle: FileHandle, at: number, size: number): Promise<number> {
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let from = at - 1; from < size; from += PROBE_BYTES) {
    const { bytesRead } = await handle.read(probe, 0, PROBE_BYTES, from);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return from + nl + 1;
  }
  return size;
}

/**
 * About `count` ranges of about equal size covering [0, size) of the open file: each starts at a line
 * start. Fewer when lines are longer than the ranges would be; none for an empty file.
 */
export async function lineAlignedRanges(handle: FileHandle, size: number, count: number): Promise<ByteRange[]> {
  const ranges: ByteRange[] = [];
  let start = 0;
  for (let k = 1; k <= count && start < size; k++) {
    const cut = k === count ? size : Math.max(start + 1, Math.round((k * size) / count));
    const end = cut >= size ? size : await lineStartFrom(handle, cut, size);
    if (end > start) ranges.push({ start, end });
    start = end;
  }
  return ranges;
}

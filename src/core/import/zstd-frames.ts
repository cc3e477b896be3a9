// Zstandard data inflated into exactly the bytes a page says it holds, never more. fzstd (through
// hyparquet-compressors) given no output buffer grows one for whatever the frames say: 80 KB of
// run-length blocks became gigabytes. So the frames and their block headers are walked first (cheap: a
// compressed block is skipped by its size): a block over the format's 128 KiB, raw and run-length
// blocks that alone inflate past the page's size, or a content size that disagrees with it, are refused
// before anything is allocated; then fzstd writes into a buffer of the page's size, which bounds the
// memory whatever the compressed blocks hold.
import { decompressZstd } from 'hyparquet-compressors';
import { ParquetFormatError, count } from './parquet-format-error.js';

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 << 10;

interface Frame {
  start: number;
  end: number;
  /** The frame header's content size, when it has one. */
  contentSize: number | null;
  /** What its raw and run-length blocks inflate to, exactly. */
  exact: number;
  /** Its compressed blocks (each inflates to at most 128 KiB). */
  compressedBlocks: number;
}

function le(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v += bytes[at + i]! * 2 ** (8 * i);
  return v;
}

function needs(bytes: Uint8Array, at: number, n: number): void {
  if (at + n > bytes.length) throw new ParquetFormatError('its zstd data ends early');
}

function readFrame(bytes: Uint8Array, start: number): Frame {
  needs(bytes, start, 5);
  const descriptor = bytes[start + 4]!;
  if (descriptor & 0x08) throw new ParquetFormatError('its zstd frame header sets a reserved bit');
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = (descriptor >> 2) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  let at = start + 5 + (singleSegment ? 0 : 1);
  needs(bytes, at, dictionaryBytes);
  if (le(bytes, at, dictionaryBytes) !== 0) throw new ParquetFormatError('its zstd frame needs a dictionary', 'unsupported');
  at += dictionaryBytes;
  const sizeBytes = contentSizeFlag === 0 ? singleSegment : [1, 2, 4, 8][contentSizeFlag]!;
  needs(bytes, at, sizeBytes);
  const contentSize = sizeBytes === 0 ? null : le(bytes, at, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
  at += sizeBytes;
  let exact = 0;
  let compressedBlocks = 0;
  for (let last = 0; !last; ) {
    needs(bytes, at, 3);
    const word = le(bytes, at, 3);
    at += 3;
    last = word & 1;
    const type = (word >> 1) & 3;
    const size = word >>> 3;
    if (size > BLOCK_MAX) throw new ParquetFormatError(`its zstd data holds a block of ${count(size)} bytes, over the format's ${count(BLOCK_MAX)}`);
    if (type === 0) {
      needs(bytes, at, size);
      exact += size;
      at += size;
    } else if (type === 1) {
      needs(bytes, at, 1);
      exact += size;
      at += 1;
    } else if (type === 2) {
      needs(bytes, at, size);
      compressedBlocks++;
      at += size;
    } else {
      throw new ParquetFormatError('its zstd data holds a block of a reserved type');
    }
  }
  if (checksum) {
    needs(bytes, at, 4);
    at += 4;
  }
  return { start, end: at, contentSize, exact, compressedBlocks };
}

function frames(bytes: Uint8Array): Frame[] {
  const found: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    needs(bytes, at, 4);
    const magic = le(bytes, at, 4);
    if (magic === FRAME_MAGIC) {
      const frame = readFrame(bytes, at);
      found.push(frame);
      at = frame.end;
    } else if (magic >>> 4 === 0x184d2a5) {
      // A skippable frame: metadata, no output.
      needs(bytes, at, 8);
      at += 8 + le(bytes, at + 4, 4);
    } else {
      throw new ParquetFormatError('its data is not zstd (no zstd frame where one should start)');
    }
  }
  return found;
}

/** `input` inflated into exactly `size` bytes. */
export function inflateZstd(input: Uint8Array, size: number): Uint8Array {
  const list = frames(input);
  const exact = list.reduce((n, f) => n + f.exact, 0);
  if (exact > size) throw new ParquetFormatError(`its zstd data inflates to at least ${count(exact)} bytes, more than the ${count(size)} its page header says`);
  const out = new Uint8Array(size);
  let at = 0;
  list.forEach((frame, i) => {
    const isLast = i === list.length - 1;
    if (frame.contentSize === null && !isLast) throw new ParquetFormatError('its zstd data has a frame of unknown size before another', 'unsupported');
    const bytes = frame.contentSize ?? size - at;
    const most = frame.exact + frame.compressedBlocks * BLOCK_MAX;
    if (bytes < frame.exact || bytes > most || at + bytes > size) {
      const said = frame.contentSize === null ? '' : `says it holds ${count(frame.contentSize)} bytes and `;
      throw new ParquetFormatError(`its zstd frame ${said}has blocks for ${count(frame.exact)} to ${count(most)} bytes, where its page header says ${count(size)}`);
    }
    // fzstd writes into the buffer given and never past it.
    decompressZstd(input.subarray(frame.start, frame.end), out.subarray(at, at + bytes));
    at += bytes;
  });
  if (at !== size) throw new ParquetFormatError(`its zstd data inflates to ${count(at)} bytes where its page header says ${count(size)}`);
  return out;
}

// Parquet's delta encodings of byte arrays (DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY) with their
// DELTA_BINARY_PACKED lengths, decoded with every number checked: a block header of zero miniblocks (an
// endless loop elsewhere), a length past the page, or a prefix longer than the value before it is an
// error, and the bytes a prefix encoding would build are counted before they are allocated.
import { ParquetFormatError, count } from './parquet-format-error.js';

interface Cursor {
  bytes: Uint8Array;
  pos: number;
  end: number;
}

function varint(c: Cursor, what: string): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.end) throw new ParquetFormatError(`its ${what} end early`);
    const b = c.bytes[c.pos++]!;
    result += (b & 0x7f) * scale;
    if (!(b & 0x80)) {
      if (!Number.isSafeInteger(result)) throw new ParquetFormatError(`its ${what} hold a number out of range`);
      return result;
    }
    scale *= 128;
  }
  throw new ParquetFormatError(`its ${what} hold a number longer than 10 bytes`);
}

function zigzag(c: Cursor, what: string): number {
  const n = varint(c, what);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function packed(bytes: Uint8Array, bit: number, width: number): number {
  let value = 0;
  for (let got = 0; got < width; ) {
    const offset = bit % 8;
    const take = Math.min(8 - offset, width - got);
    value += ((bytes[Math.floor(bit / 8)]! >>> offset) & ((1 << take) - 1)) * 2 ** got;
    got += take;
    bit += take;
  }
  return value;
}

/** `n` non-negative int32 values (lengths) in DELTA_BINARY_PACKED at the cursor. */
export function deltaLengths(c: Cursor, n: number, what: string): Int32Array {
  const blockSize = varint(c, what);
  const miniblocks = varint(c, what);
  varint(c, what); // the total count; the page's own count decides what is read
  let value = zigzag(c, what);
  if (blockSize === 0 || blockSize % 128 !== 0 || miniblocks === 0 || blockSize % miniblocks !== 0 || (blockSize / miniblocks) % 32 !== 0) {
    throw new ParquetFormatError(`its ${what} have blocks of ${blockSize} values in ${miniblocks} miniblocks, which the encoding does not allow`);
  }
  const perMiniblock = blockSize / miniblocks;
  const out = new Int32Array(n);
  const check = (v: number, i: number) => {
    if (!(v >= 0 && v <= 0x7fffffff)) throw new ParquetFormatError(`its ${what} give value ${count(i)} a length of ${v}`);
    return v;
  };
  if (n === 0) return out;
  out[0] = check(value, 0);
  let filled = 1;
  while (filled < n) {
    const minDelta = zigzag(c, what);
    if (c.pos + miniblocks > c.end) throw new ParquetFormatError(`its ${what} end inside a block header`);
    const widths = c.bytes.subarray(c.pos, c.pos + miniblocks);
    c.pos += miniblocks;
    for (let m = 0; m < miniblocks && filled < n; m++) {
      const width = widths[m]!;
      if (width > 32) throw new ParquetFormatError(`its ${what} have a miniblock of ${width}-bit deltas`);
      const bodyBytes = (perMiniblock * width) / 8;
      if (c.pos + bodyBytes > c.end) throw new ParquetFormatError(`its ${what} end inside a miniblock`);
      const take = Math.min(perMiniblock, n - filled);
      for (let i = 0; i < take; i++) {
        value = value + minDelta + packed(c.bytes, c.pos * 8 + i * width, width);
        out[filled] = check(value, filled);
        filled++;
      }
      // A miniblock's body is whole even when its last values are padding.
      c.pos += bodyBytes;
    }
  }
  return out;
}

/** DELTA_LENGTH_BYTE_ARRAY: the lengths, then the values' bytes end to end (views into the page). */
export function deltaLengthByteArrays(bytes: Uint8Array, start: number, end: number, n: number): Uint8Array[] {
  const c: Cursor = { bytes, pos: start, end };
  const lengths = deltaLengths(c, n, 'value lengths');
  const values: Uint8Array[] = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const length = lengths[i]!;
    if (c.pos + length > end) throw new ParquetFormatError(`its value ${count(i)} of ${count(length)} bytes reaches past the end of its page`);
    values[i] = bytes.subarray(c.pos, c.pos + length);
    c.pos += length;
  }
  return values;
}

/**
 * DELTA_BYTE_ARRAY: each value is a prefix of the one before and a suffix. `charge` is told the bytes the
 * values will take before they are built (a prefix may repeat a long value many times).
 */
export function deltaByteArrays(bytes: Uint8Array, start: number, end: number, n: number, charge: (bytes: number) => void): Uint8Array[] {
  const c: Cursor = { bytes, pos: start, end };
  const prefixes = deltaLengths(c, n, 'prefix lengths');
  const suffixes = deltaLengths(c, n, 'suffix lengths');
  let total = 0;
  let suffixBytes = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const prefix = prefixes[i]!;
    if (prefix > previous) throw new ParquetFormatError(`its value ${count(i)} shares ${count(prefix)} bytes with a value of ${count(previous)}`);
    previous = prefix + suffixes[i]!;
    total += previous;
    suffixBytes += suffixes[i]!;
  }
  if (c.pos + suffixBytes > end) throw new ParquetFormatError(`its values' suffixes (${count(suffixBytes)} bytes) reach past the end of their page`);
  charge(total);
  const values: Uint8Array[] = new Array<Uint8Array>(n);
  let before: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < n; i++) {
    const suffix = bytes.subarray(c.pos, c.pos + suffixes[i]!);
    c.pos += suffix.length;
    const prefix = prefixes[i]!;
    let value: Uint8Array;
    if (prefix === 0) value = suffix;
    else {
      value = new Uint8Array(prefix + suffix.length);
      value.set(before.subarray(0, prefix));
      value.set(suffix, prefix);
    }
    values[i] = value;
    before = value;
  }
  return values;
}

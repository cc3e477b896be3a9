// Parquet's RLE/bit-packed hybrid (definition levels, dictionary indexes), decoded into an array whose
// length the caller has already checked: a run never writes past it (a run of 2^26 in a page of 10
// values is an error, not an array that grows), and no read leaves the stream's bytes.
import { ParquetFormatError, count } from './parquet-format-error.js';

function readVarint(bytes: Uint8Array, pos: number, end: number, what: string): [value: number, next: number] {
  let result = 0;
  let scale = 1;
  for (let i = pos; i < end && i < pos + 5; i++) {
    const b = bytes[i]!;
    result += (b & 0x7f) * scale;
    if (!(b & 0x80)) return [result, i + 1];
    scale *= 128;
  }
  throw new ParquetFormatError(`its ${what} ends inside a run header`);
}

/**
 * Fills `out` (every slot) with values of `bitWidth` bits from bytes[start, end). `what` names the
 * stream in messages ("definition levels"). Returns where the stream's runs ended.
 */
export function decodeHybrid(bytes: Uint8Array, start: number, end: number, bitWidth: number, out: Uint8Array | Uint32Array, what: string): number {
  if (bitWidth < 0 || bitWidth > 32) throw new ParquetFormatError(`its ${what} have a bit width of ${bitWidth}`);
  if (end > bytes.length) throw new ParquetFormatError(`its ${what} run past the end of their page`);
  const max = bitWidth === 32 ? 0xffffffff : 2 ** bitWidth - 1;
  const total = out.length;
  let pos = start;
  let filled = 0;
  while (filled < total) {
    if (pos >= end) throw new ParquetFormatError(`its ${what} end after ${count(filled)} of ${count(total)} values`);
    let header: number;
    [header, pos] = readVarint(bytes, pos, end, what);
    if (header % 2 === 0) {
      const run = header / 2;
      if (run > total - filled) throw new ParquetFormatError(`its ${what} hold a run of ${count(run)} values where ${count(total - filled)} remain`);
      const width = Math.ceil(bitWidth / 8);
      if (pos + width > end) throw new ParquetFormatError(`its ${what} end inside a run`);
      let value = 0;
      for (let i = 0; i < width; i++) value += bytes[pos + i]! * 2 ** (8 * i);
      pos += width;
      if (value > max) throw new ParquetFormatError(`its ${what} hold ${value}, more than ${bitWidth} bits`);
      out.fill(value, filled, filled + run);
      filled += run;
    } else {
      const groups = (header - 1) / 2;
      const byteCount = groups * bitWidth;
      if (pos + byteCount > end) throw new ParquetFormatError(`its ${what} hold a bit-packed run of ${count(groups * 8)} values that reaches past their end`);
      // The last group may be padding past the values the page has.
      const values = Math.min(groups * 8, total - filled);
      unpack(bytes, pos, bitWidth, values, out, filled);
      filled += values;
      pos += byteCount;
    }
  }
  return pos;
}

/** `n` little-endian bit-packed values of `bitWidth` bits from bytes[pos] into out[at..]. */
function unpack(bytes: Uint8Array, pos: number, bitWidth: number, n: number, out: Uint8Array | Uint32Array, at: number): void {
  if (bitWidth === 0) {
    out.fill(0, at, at + n);
    return;
  }
  let bit = pos * 8;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let got = 0; got < bitWidth; ) {
      const byte = bytes[Math.floor(bit / 8)]!;
      const offset = bit % 8;
      const take = Math.min(8 - offset, bitWidth - got);
      value += ((byte >>> offset) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      bit += take;
    }
    out[at + i] = value;
  }
}

/** Bits needed for values up to `max` (a level's maximum). */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

// One page of a byte-array leaf column (an image's bytes, a path, a caption) decoded into one value per
// entry, null where the definition level says the value is absent. Its counts were checked against the
// column chunk before anything is allocated (parquet-column-chunk.ts); here every length and index is
// checked against the page's own bytes.
import { deltaByteArrays, deltaLengthByteArrays } from './parquet-delta.js';
import { ParquetFormatError, count } from './parquet-format-error.js';
import type { DataPageFields, DataPageV2Fields } from './parquet-page-header.js';
import { bitWidthOf, decodeHybrid } from './parquet-rle.js';

export type LeafValue = Uint8Array | null;

export const ENCODING = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, BIT_PACKED: 4, DELTA_LENGTH_BYTE_ARRAY: 6, DELTA_BYTE_ARRAY: 7, RLE_DICTIONARY: 8 } as const;
const ENCODING_NAMES: Readonly<Record<number, string>> = {
  0: 'PLAIN', 2: 'PLAIN_DICTIONARY', 3: 'RLE', 4: 'BIT_PACKED', 5: 'DELTA_BINARY_PACKED', 6: 'DELTA_LENGTH_BYTE_ARRAY', 7: 'DELTA_BYTE_ARRAY', 8: 'RLE_DICTIONARY', 9: 'BYTE_STREAM_SPLIT',
};

function encodingName(encoding: number): string {
  return ENCODING_NAMES[encoding] ?? `encoding ${encoding}`;
}

/** Counts bytes a page's values will take before they are built (DELTA_BYTE_ARRAY builds new ones). */
export type Charge = (bytes: number) => void;

/** `n` PLAIN byte arrays at bytes[start, end): a 4-byte length, then the bytes, each. */
export function plainByteArrays(bytes: Uint8Array, start: number, end: number, n: number): Uint8Array[] {
  if (n * 4 > end - start) throw new ParquetFormatError(`it says it holds ${count(n)} values, more than its ${count(end - start)} bytes can`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: Uint8Array[] = new Array<Uint8Array>(n);
  let pos = start;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > end) throw new ParquetFormatError(`it ends after ${count(i)} of its ${count(n)} values`);
    const length = view.getUint32(pos, true);
    pos += 4;
    if (length > end - pos) throw new ParquetFormatError(`its value ${count(i)} says it has ${count(length)} bytes, more than are left in the page`);
    values[i] = bytes.subarray(pos, pos + length);
    pos += length;
  }
  return values;
}

/** A dictionary page's values (PLAIN byte arrays). */
export function dictionaryValues(page: Uint8Array, numValues: number, encoding: number): Uint8Array[] {
  if (encoding !== ENCODING.PLAIN && encoding !== ENCODING.PLAIN_DICTIONARY) throw new ParquetFormatError(`its dictionary page is in ${encodingName(encoding)}, not PLAIN`, 'unsupported');
  return plainByteArrays(page, 0, page.length, numValues);
}

function decodeValues(encoding: number, bytes: Uint8Array, start: number, end: number, n: number, dictionary: Uint8Array[] | null, charge: Charge): Uint8Array[] {
  switch (encoding) {
    case ENCODING.PLAIN:
      return plainByteArrays(bytes, start, end, n);
    case ENCODING.PLAIN_DICTIONARY:
    case ENCODING.RLE_DICTIONARY: {
      if (dictionary === null) throw new ParquetFormatError('it refers to a dictionary its column chunk does not have');
      if (n === 0) return [];
      if (start >= end) throw new ParquetFormatError('its dictionary indexes are missing');
      const indexes = new Uint32Array(n);
      decodeHybrid(bytes, start + 1, end, bytes[start]!, indexes, 'dictionary indexes');
      const values: Uint8Array[] = new Array<Uint8Array>(n);
      for (let i = 0; i < n; i++) {
        const value = dictionary[indexes[i]!];
        if (value === undefined) throw new ParquetFormatError(`its value ${count(i)} is entry ${count(indexes[i]!)} of a dictionary of ${count(dictionary.length)}`);
        values[i] = value;
      }
      return values;
    }
    case ENCODING.DELTA_LENGTH_BYTE_ARRAY:
      return deltaLengthByteArrays(bytes, start, end, n);
    case ENCODING.DELTA_BYTE_ARRAY:
      return deltaByteArrays(bytes, start, end, n, charge);
    default:
      throw new ParquetFormatError(`its values are in ${encodingName(encoding)}, which a byte-array column does not use`, 'unsupported');
  }
}

/** Definition levels of `numValues` entries: which are present (the level is the column's maximum). */
function definedEntries(bytes: Uint8Array, start: number, end: number, numValues: number, maxDefinitionLevel: number): Uint8Array {
  const levels = new Uint8Array(numValues);
  decodeHybrid(bytes, start, end, bitWidthOf(maxDefinitionLevel), levels, 'definition levels');
  for (let i = 0; i < numValues; i++) {
    const level = levels[i]!;
    if (level > maxDefinitionLevel) throw new ParquetFormatError(`its definition levels hold ${level}, over the column's maximum of ${maxDefinitionLevel}`);
    levels[i] = level === maxDefinitionLevel ? 1 : 0;
  }
  return levels;
}

function spread(defined: Uint8Array | null, numValues: number, values: Uint8Array[]): LeafValue[] {
  if (defined === null) return values;
  const out: LeafValue[] = new Array<LeafValue>(numValues);
  let next = 0;
  for (let i = 0; i < numValues; i++) out[i] = defined[i] ? values[next++]! : null;
  return out;
}

function presentCount(defined: Uint8Array | null, numValues: number): number {
  if (defined === null) return numValues;
  let n = 0;
  for (let i = 0; i < numValues; i++) n += defined[i]!;
  return n;
}

/** A DATA_PAGE (v1), inflated: its levels (each with a 4-byte length), then its values. */
export function decodeDataPageV1(page: Uint8Array, fields: DataPageFields, maxDefinitionLevel: number, dictionary: Uint8Array[] | null, charge: Charge): LeafValue[] {
  const { numValues } = fields;
  let pos = 0;
  let defined: Uint8Array | null = null;
  if (maxDefinitionLevel > 0) {
    if (fields.definitionLevelEncoding !== ENCODING.RLE) throw new ParquetFormatError(`its definition levels are in ${encodingName(fields.definitionLevelEncoding)}, not RLE`, 'unsupported');
    if (page.length < 4) throw new ParquetFormatError('it ends before its definition levels');
    const length = new DataView(page.buffer, page.byteOffset, page.byteLength).getUint32(0, true);
    if (4 + length > page.length) throw new ParquetFormatError(`its definition levels say they take ${count(length)} bytes, more than the page has`);
    defined = definedEntries(page, 4, 4 + length, numValues, maxDefinitionLevel);
    pos = 4 + length;
  }
  const values = decodeValues(fields.encoding, page, pos, page.length, presentCount(defined, numValues), dictionary, charge);
  return spread(defined, numValues, values);
}

/** A DATA_PAGE_V2: its levels (never compressed), and its values section, inflated. */
export function decodeDataPageV2(levels: Uint8Array, values: Uint8Array, fields: DataPageV2Fields, maxDefinitionLevel: number, dictionary: Uint8Array[] | null, charge: Charge): LeafValue[] {
  const { numValues } = fields;
  if (fields.repetitionLevelsByteLength !== 0) throw new ParquetFormatError('it has repetition levels in a column that repeats nothing');
  let defined: Uint8Array | null = null;
  if (maxDefinitionLevel > 0) {
    defined = definedEntries(levels, 0, levels.length, numValues, maxDefinitionLevel);
  } else if (levels.length > 0) {
    throw new ParquetFormatError('it has definition levels in a column whose values are all required');
  }
  const present = presentCount(defined, numValues);
  if (present !== numValues - fields.numNulls) throw new ParquetFormatError(`its header says ${count(fields.numNulls)} nulls, its levels ${count(numValues - present)}`);
  return spread(defined, numValues, decodeValues(fields.encoding, values, 0, values.length, present, dictionary, charge));
}

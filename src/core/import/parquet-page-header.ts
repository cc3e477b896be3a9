// A Parquet page header (thrift PageHeader) read from untrusted bytes: only the fields an import uses
// are read, every required one must be there with the right type and a sane value, and everything else
// (statistics, CRCs, index pages) is skipped without being held. A header missing a field is a clear
// error, never an undefined that turns into a NaN offset further on.
import { CompactReader, CompactType } from './thrift-compact-reader.js';
import { ParquetFormatError } from './parquet-format-error.js';

export type PageKind = 'DATA_PAGE' | 'INDEX_PAGE' | 'DICTIONARY_PAGE' | 'DATA_PAGE_V2';
const PAGE_KINDS: readonly PageKind[] = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'];

export interface DataPageFields {
  numValues: number;
  encoding: number;
  definitionLevelEncoding: number;
  repetitionLevelEncoding: number;
}

export interface DictionaryPageFields {
  numValues: number;
  encoding: number;
}

export interface DataPageV2Fields {
  numValues: number;
  numNulls: number;
  numRows: number;
  encoding: number;
  definitionLevelsByteLength: number;
  repetitionLevelsByteLength: number;
  isCompressed: boolean;
}

export interface PageHeader {
  kind: PageKind;
  uncompressedSize: number;
  compressedSize: number;
  /** Bytes the header itself takes. */
  headerBytes: number;
  dataPage?: DataPageFields;
  dictionaryPage?: DictionaryPageFields;
  dataPageV2?: DataPageV2Fields;
}

type Values = Map<number, number | boolean>;

/** A struct of scalar fields (ints and booleans); nested values are skipped. */
function readScalars(reader: CompactReader): Values {
  const values: Values = new Map();
  let id = 0;
  for (let field = reader.fieldHeader(id); field !== null; field = reader.fieldHeader(id)) {
    if (field.type === CompactType.I32 || field.type === CompactType.I16 || field.type === CompactType.I64) values.set(field.id, reader.zigzag());
    else if (field.type === CompactType.True || field.type === CompactType.False) values.set(field.id, field.type === CompactType.True);
    else reader.skip(field.type, 1);
    id = field.id;
  }
  return values;
}

/** Field `id` of `values`: present, an integer, and within [0, 2^31). */
function required(values: Values, id: number, name: string, where: string): number {
  const value = values.get(id);
  if (value === undefined) throw new ParquetFormatError(`its ${where} has no ${name} (a required field)`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ParquetFormatError(`its ${where}'s ${name} is not a number`);
  if (value < 0 || value > 0x7fffffff) throw new ParquetFormatError(`its ${where}'s ${name} is ${value}, out of range`);
  return value;
}

function dataPage(v: Values): DataPageFields {
  const where = 'data page header';
  return {
    numValues: required(v, 1, 'num_values', where),
    encoding: required(v, 2, 'encoding', where),
    definitionLevelEncoding: required(v, 3, 'definition_level_encoding', where),
    repetitionLevelEncoding: required(v, 4, 'repetition_level_encoding', where),
  };
}

function dictionaryPage(v: Values): DictionaryPageFields {
  const where = 'dictionary page header';
  return { numValues: required(v, 1, 'num_values', where), encoding: required(v, 2, 'encoding', where) };
}

function dataPageV2(v: Values): DataPageV2Fields {
  const where = 'v2 data page header';
  const compressed = v.get(7);
  if (compressed !== undefined && typeof compressed !== 'boolean') throw new ParquetFormatError(`its ${where}'s is_compressed is not a boolean`);
  return {
    numValues: required(v, 1, 'num_values', where),
    numNulls: required(v, 2, 'num_nulls', where),
    numRows: required(v, 3, 'num_rows', where),
    encoding: required(v, 4, 'encoding', where),
    definitionLevelsByteLength: required(v, 5, 'definition_levels_byte_length', where),
    repetitionLevelsByteLength: required(v, 6, 'repetition_levels_byte_length', where),
    // Absent means compressed (the format's default).
    isCompressed: compressed !== false,
  };
}

/** The page header at `bytes[offset]`. Throws EndsEarlyError when `bytes` ends inside it. */
export function readPageHeader(bytes: Uint8Array, offset: number): PageHeader {
  const reader = new CompactReader(bytes, offset, 'page header');
  const top: Values = new Map();
  const nested = new Map<number, Values>();
  let id = 0;
  for (let field = reader.fieldHeader(id); field !== null; field = reader.fieldHeader(id)) {
    const wanted = field.id === 5 || field.id === 7 || field.id === 8;
    if (wanted && field.type === CompactType.Struct) nested.set(field.id, readScalars(reader));
    else if (field.id <= 4 && (field.type === CompactType.I32 || field.type === CompactType.I16 || field.type === CompactType.I64)) top.set(field.id, reader.zigzag());
    else if (wanted || field.id <= 3) throw new ParquetFormatError(`its page header's field ${field.id} has the wrong type`);
    else reader.skip(field.type);
    id = field.id;
  }
  const kindNumber = required(top, 1, 'type', 'page header');
  const kind = PAGE_KINDS[kindNumber];
  if (kind === undefined) throw new ParquetFormatError(`its page header names page type ${kindNumber}, which Parquet does not have`);
  const header: PageHeader = {
    kind,
    uncompressedSize: required(top, 2, 'uncompressed_page_size', 'page header'),
    compressedSize: required(top, 3, 'compressed_page_size', 'page header'),
    headerBytes: reader.pos - offset,
  };
  const fields = (n: number, name: string): Values => {
    const v = nested.get(n);
    if (!v) throw new ParquetFormatError(`its ${kind} page has no ${name}`);
    return v;
  };
  if (kind === 'DATA_PAGE') header.dataPage = dataPage(fields(5, 'data_page_header'));
  else if (kind === 'DICTIONARY_PAGE') header.dictionaryPage = dictionaryPage(fields(7, 'dictionary_page_header'));
  else if (kind === 'DATA_PAGE_V2') header.dataPageV2 = dataPageV2(fields(8, 'data_page_header_v2'));
  return header;
}

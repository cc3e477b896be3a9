// Parquet files built byte by byte, so a test can say exactly what a hostile file holds: a page header
// with a field missing, counts that lie or that are honest and huge, level and index streams of any
// shape, and a codec's bytes of any kind (a zstd frame of run-length blocks that inflates 2^15 times).
// A thrift compact-protocol writer, the Parquet layout (PAR1, column chunks, footer) and nothing else.

/** A thrift value of the compact protocol, as far as Parquet's structures use it. */
export type Thrift =
  | { t: 'i32'; v: number }
  | { t: 'i64'; v: bigint }
  | { t: 'bin'; v: Uint8Array }
  | { t: 'bool'; v: boolean }
  | { t: 'struct'; v: Fields }
  | { t: 'list'; of: 'i32' | 'bin' | 'struct'; v: Thrift[] };
/** A struct's fields by id; an id left out (or undefined) is a field the struct does not have. */
export type Fields = Record<number, Thrift | undefined>;

export const i32 = (v: number): Thrift => ({ t: 'i32', v });
export const i64 = (v: number | bigint): Thrift => ({ t: 'i64', v: BigInt(v) });
export const bin = (v: string | Uint8Array): Thrift => ({ t: 'bin', v: typeof v === 'string' ? new TextEncoder().encode(v) : v });
export const bool = (v: boolean): Thrift => ({ t: 'bool', v });
export const struct = (v: Fields): Thrift => ({ t: 'struct', v });
export const list = (of: 'i32' | 'bin' | 'struct', v: Thrift[]): Thrift => ({ t: 'list', of, v });

const TYPE_ID = { i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

class ByteSink {
  readonly bytes: number[] = [];
  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }
  varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
  zigzag(value: bigint): void {
    this.varint(value >= 0n ? value << 1n : (-value << 1n) - 1n);
  }
  raw(bytes: Uint8Array): void {
    for (const b of bytes) this.bytes.push(b);
  }
}

function writeValue(sink: ByteSink, value: Thrift): void {
  switch (value.t) {
    case 'i32':
      sink.zigzag(BigInt(value.v));
      return;
    case 'i64':
      sink.zigzag(value.v);
      return;
    case 'bin':
      sink.varint(BigInt(value.v.length));
      sink.raw(value.v);
      return;
    case 'bool':
      sink.byte(value.v ? 1 : 2);
      return;
    case 'struct':
      writeStruct(sink, value.v);
      return;
    case 'list': {
      const type = TYPE_ID[value.of];
      if (value.v.length < 15) sink.byte((value.v.length << 4) | type);
      else {
        sink.byte(0xf0 | type);
        sink.varint(BigInt(value.v.length));
      }
      for (const item of value.v) writeValue(sink, item);
    }
  }
}

function writeStruct(sink: ByteSink, fields: Fields): void {
  let last = 0;
  for (const id of Object.keys(fields).map(Number).sort((a, b) => a - b)) {
    const value = fields[id];
    if (value === undefined) continue;
    const type = value.t === 'bool' ? (value.v ? 1 : 2) : TYPE_ID[value.t];
    const delta = id - last;
    if (delta > 0 && delta <= 15) sink.byte((delta << 4) | type);
    else {
      sink.byte(type);
      sink.zigzag(BigInt(id));
    }
    if (value.t !== 'bool') writeValue(sink, value);
    last = id;
  }
  sink.byte(0);
}

export function thriftStruct(fields: Fields): Uint8Array {
  const sink = new ByteSink();
  writeStruct(sink, fields);
  return Uint8Array.from(sink.bytes);
}

// ---- Parquet's numbers ----

export const Type = { BYTE_ARRAY: 6, INT64: 2 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;
export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, DELTA_LENGTH_BYTE_ARRAY: 6, DELTA_BYTE_ARRAY: 7, RLE_DICTIONARY: 8 } as const;
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;
const OPTIONAL = 1;
const UTF8 = 0;

/** One page: its header's fields (PageHeader) and its bytes as they are stored. */
export interface ForgedPage {
  header: Fields;
  body: Uint8Array;
}

export interface ForgedColumn {
  /** The leaf's path ("image" or "image", "bytes"). */
  path: string[];
  codec: number;
  pages: ForgedPage[];
  /** ColumnMetaData's num_values; the sum of the pages' values when left out. */
  numValues?: bigint;
  /** ColumnMetaData's total_uncompressed_size; the sum of the pages' headers' when left out. */
  totalUncompressed?: bigint;
}

export interface ForgedRowGroup {
  rows: bigint;
  columns: ForgedColumn[];
}

/** A top-level column of the schema: a binary, a string, or an Image struct (bytes, path). */
export type ForgedSchemaColumn = { name: string; kind: 'binary' | 'string' | 'image-struct' };

function schemaElements(columns: readonly ForgedSchemaColumn[]): Thrift[] {
  const elements: Thrift[] = [struct({ 4: bin('schema'), 5: i32(columns.length) })];
  for (const c of columns) {
    if (c.kind === 'image-struct') {
      elements.push(
        struct({ 3: i32(OPTIONAL), 4: bin(c.name), 5: i32(2) }),
        struct({ 1: i32(Type.BYTE_ARRAY), 3: i32(OPTIONAL), 4: bin('bytes') }),
        struct({ 1: i32(Type.BYTE_ARRAY), 3: i32(OPTIONAL), 4: bin('path'), 6: i32(UTF8) }),
      );
    } else {
      elements.push(struct({ 1: i32(Type.BYTE_ARRAY), 3: i32(OPTIONAL), 4: bin(c.name), ...(c.kind === 'string' ? { 6: i32(UTF8) } : {}) }));
    }
  }
  return elements;
}

function pageValues(page: ForgedPage): bigint {
  const header = (page.header[5] ?? page.header[8]) as { t: 'struct'; v: Fields } | undefined;
  const n = header?.v[1];
  return page.header[1]?.t === 'i32' && page.header[1].v === PageType.DICTIONARY_PAGE ? 0n : n?.t === 'i32' ? BigInt(n.v) : 0n;
}

/** The whole file: PAR1, each column chunk's pages (header then body), the footer, its length, PAR1. */
export function forgeParquet(schema: readonly ForgedSchemaColumn[], rowGroups: readonly ForgedRowGroup[]): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode('PAR1')];
  let offset = 4;
  const groups: Thrift[] = [];
  for (const group of rowGroups) {
    const chunks: Thrift[] = [];
    let groupBytes = 0n;
    for (const column of group.columns) {
      const start = offset;
      let uncompressed = 0n;
      let firstData = -1;
      for (const page of column.pages) {
        const header = thriftStruct(page.header);
        const isDictionary = page.header[1]?.t === 'i32' && page.header[1].v === PageType.DICTIONARY_PAGE;
        if (!isDictionary && firstData < 0) firstData = offset;
        parts.push(header, page.body);
        offset += header.length + page.body.length;
        const declared = page.header[2];
        uncompressed += BigInt(header.length) + (declared?.t === 'i32' ? BigInt(declared.v) : 0n);
      }
      const numValues = column.numValues ?? column.pages.reduce((n, p) => n + pageValues(p), 0n);
      const totalUncompressed = column.totalUncompressed ?? uncompressed;
      groupBytes += totalUncompressed;
      const hasDictionary = firstData > start;
      chunks.push(
        struct({
          2: i64(start),
          3: struct({
            1: i32(Type.BYTE_ARRAY),
            2: list('i32', [i32(Encoding.PLAIN), i32(Encoding.RLE)]),
            3: list('bin', column.path.map((p) => bin(p))),
            4: i32(column.codec),
            5: i64(numValues),
            6: i64(totalUncompressed),
            7: i64(offset - start),
            9: i64(firstData < 0 ? start : firstData),
            ...(hasDictionary ? { 11: i64(start) } : {}),
          }),
        }),
      );
    }
    groups.push(struct({ 1: list('struct', chunks), 2: i64(groupBytes), 3: i64(group.rows) }));
  }
  const footer = thriftStruct({
    1: i32(1),
    2: list('struct', schemaElements(schema)),
    3: i64(rowGroups.reduce((n, g) => n + g.rows, 0n)),
    4: list('struct', groups),
    6: bin('parquet-forge (recaption tests)'),
  });
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  parts.push(footer, length, new TextEncoder().encode('PAR1'));
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- Page contents ----

function varintBytes(value: number): number[] {
  const sink = new ByteSink();
  sink.varint(BigInt(value));
  return sink.bytes;
}

/** An RLE/bit-packed hybrid stream of RLE runs only: [count, value] pairs, values of `bitWidth` bits. */
export function rleRuns(bitWidth: number, runs: readonly [count: number, value: number][]): Uint8Array {
  const bytes: number[] = [];
  const width = Math.ceil(bitWidth / 8);
  for (const [count, value] of runs) {
    bytes.push(...varintBytes(count * 2));
    for (let i = 0; i < width; i++) bytes.push((value >> (8 * i)) & 0xff);
  }
  return Uint8Array.from(bytes);
}

/** A v1 page's level stream: its 4-byte length, then the stream. */
export function withLength(stream: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + stream.length);
  new DataView(out.buffer).setUint32(0, stream.length, true);
  out.set(stream, 4);
  return out;
}

/** PLAIN byte arrays: each value's 4-byte length, then its bytes. */
export function plainByteArrays(values: readonly (string | Uint8Array)[]): Uint8Array {
  return concat(
    values.flatMap((v) => {
      const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      return [withLength(bytes).subarray(0, 4), bytes];
    }),
  );
}

/** A DATA_PAGE header (v1) with every field, or with the fields in `override` replaced or left out. */
export function dataPageHeader(numValues: number, encoding: number, uncompressed: number, compressed: number, override: Fields = {}): Fields {
  return {
    1: i32(PageType.DATA_PAGE),
    2: i32(uncompressed),
    3: i32(compressed),
    5: struct({ 1: i32(numValues), 2: i32(encoding), 3: i32(Encoding.RLE), 4: i32(Encoding.RLE) }),
    ...override,
  };
}

/** A DATA_PAGE_V2 header; `v2` replaces (or, with undefined, leaves out) fields of DataPageHeaderV2. */
export function dataPageV2Header(
  p: { numValues: number; numNulls: number; definitionBytes: number; uncompressed: number; compressed: number; encoding?: number },
  v2: Fields = {},
): Fields {
  return {
    1: i32(PageType.DATA_PAGE_V2),
    2: i32(p.uncompressed),
    3: i32(p.compressed),
    8: struct({
      1: i32(p.numValues),
      2: i32(p.numNulls),
      3: i32(p.numValues),
      4: i32(p.encoding ?? Encoding.PLAIN),
      5: i32(p.definitionBytes),
      6: i32(0),
      7: bool(false),
      ...v2,
    }),
  };
}

export function dictionaryPageHeader(numValues: number, uncompressed: number, compressed: number): Fields {
  return { 1: i32(PageType.DICTIONARY_PAGE), 2: i32(uncompressed), 3: i32(compressed), 7: struct({ 1: i32(numValues), 2: i32(Encoding.PLAIN_DICTIONARY) }) };
}

/** An uncompressed v1 page of optional byte-array values (null where the value is null). */
export function plainPage(values: readonly (string | Uint8Array | null)[]): ForgedPage {
  const levels = withLength(rleRuns(1, values.map((v) => [1, v === null ? 0 : 1] as [number, number])));
  const body = concat([levels, plainByteArrays(values.filter((v): v is string | Uint8Array => v !== null))]);
  return { header: dataPageHeader(values.length, Encoding.PLAIN, body.length, body.length), body };
}

/**
 * A zstd frame of `blocks` run-length blocks of `blockBytes` bytes each (4 bytes apiece in the file), with
 * no content size in its header: only decoding the blocks tells what it inflates to.
 */
export function zstdRleBomb(blocks: number, blockBytes: number, fill = 0): Uint8Array {
  const windowLog = Math.max(10, Math.ceil(Math.log2(blockBytes)));
  const header = [0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3];
  const out = new Uint8Array(header.length + blocks * 4);
  out.set(header);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const word = last | (1 << 1) | (blockBytes << 3);
    out.set([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, fill], header.length + i * 4);
  }
  return out;
}

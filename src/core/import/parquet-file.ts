// One Parquet file opened for an import (in the import worker): its magic bytes checked, its footer
// (bounded in size) parsed by hyparquet, its row groups listed, and, before anything is written, each
// row group's columns checked against the import's bounds: rows, bytes compressed and inflated, codecs,
// and byte ranges inside the file. Reads go through one open handle and never leave the file.
import { promises as fs } from 'node:fs';
import { parquetMetadataAsync, parquetSchema, type AsyncBuffer, type ColumnMetaData, type FileMetaData, type SchemaTree } from 'hyparquet';
import { ImportError } from './import-errors.js';
import { MAX_FOOTER_BYTES, MAX_FOOTER_VALUES, MAX_ROW_GROUP_ROWS } from './import-limits.js';
import { isSupportedCodec } from './page-inflate.js';
import type { ColumnChoice } from './parquet-columns.js';
import type { ByteSource, ChunkToRead } from './parquet-column-chunk.js';
import { ParquetFormatError, count, describeDecodeError } from './parquet-format-error.js';
import { CompactReader, CompactType } from './thrift-compact-reader.js';
import type { SourceFile } from './source-files.js';

const MAGIC = 'PAR1';

export interface RowGroupInfo {
  index: number;
  /** The file's row number of its first row. */
  start: number;
  rows: number;
}

/** A leaf column an import reads, and what it holds for the row. */
export interface LeafToRead {
  role: 'image-bytes' | 'image-path' | 'caption';
  path: string[];
  maxDefinitionLevel: number;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** Reads of [offset, offset + length) through the handle; anything outside the file is an error, not a short read. */
function handleSource(handle: fs.FileHandle, size: number): ByteSource {
  return {
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size)) {
        throw new ImportError('corrupt', `a read of ${length} bytes at ${offset} is outside the file (${size} bytes)`);
      }
      // Not zeroed first: the loop fills every byte or throws. A buffer of its own (slice() hands out its ArrayBuffer).
      const buffer = Buffer.allocUnsafeSlow(length);
      for (let at = 0; at < length; ) {
        const { bytesRead } = await handle.read(buffer, at, length - at, offset + at);
        if (bytesRead === 0) throw new ImportError('corrupt', 'the file is shorter than its size; was it changed during the import?');
        at += bytesRead;
      }
      return buffer;
    },
  };
}

function asyncBuffer(source: ByteSource, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const bytes = await source.read(start, end - start);
      return bytes.buffer as ArrayBuffer;
    },
  };
}

function toCount(value: unknown, what: string, file: string): number {
  const n = typeof value === 'bigint' || typeof value === 'number' ? Number(value) : NaN;
  if (value === undefined || value === null) throw new ImportError('corrupt', `${file}: ${what} is missing from its footer; download it again`);
  if (!Number.isSafeInteger(n) || n < 0) throw new ImportError('corrupt', `${file}: ${what} is ${typeof value === 'bigint' || typeof value === 'number' ? String(value) : `a ${typeof value}`}, not a count`);
  return n;
}

/** A name the footer gives (a type, a codec), or words for its absence. */
function named(value: unknown): string {
  return typeof value === 'string' ? value : 'an unnamed kind';
}

/** The footer's structure as far as an import relies on it: hyparquet reads what the bytes say, unchecked. */
function checkMetadata(metadata: FileMetaData, file: string): void {
  const corrupt = (what: string) => new ImportError('corrupt', `${file}: its footer ${what}; download it again`);
  if (!Array.isArray(metadata.schema) || metadata.schema.length === 0) throw corrupt('has no schema');
  metadata.schema.forEach((element, i) => {
    if (typeof element?.name !== 'string') throw corrupt(`has a schema element (${i}) without a name`);
    if (element.num_children !== undefined && !(Number.isSafeInteger(element.num_children) && element.num_children >= 0)) throw corrupt(`gives schema element "${element.name}" a child count of ${String(element.num_children)}`);
  });
  if (!Array.isArray(metadata.row_groups)) throw corrupt('lists no row groups');
  metadata.row_groups.forEach((group, i) => {
    if (!Array.isArray(group?.columns)) throw corrupt(`lists no columns for row group ${i}`);
  });
}

/** The leaf columns that hold a choice's image and caption, with their definition levels. */
export function leavesOf(schema: SchemaTree, choice: ColumnChoice): LeafToRead[] {
  const leaves: LeafToRead[] = [];
  const levelOf = (trees: SchemaTree[]) => trees.reduce((n, t) => n + (t.element.repetition_type === 'REQUIRED' ? 0 : 1), 0);
  const top = (name: string) => schema.children.find((c) => c.element.name === name)!;
  const image = top(choice.image.name);
  if (choice.image.kind === 'image-struct') {
    for (const child of image.children) {
      const role = child.element.name === 'bytes' ? 'image-bytes' : child.element.name === 'path' ? 'image-path' : null;
      if (role) leaves.push({ role, path: [choice.image.name, child.element.name], maxDefinitionLevel: levelOf([image, child]) });
    }
  } else {
    leaves.push({ role: choice.image.kind === 'binary' ? 'image-bytes' : 'image-path', path: [choice.image.name], maxDefinitionLevel: levelOf([image]) });
  }
  if (choice.caption) leaves.push({ role: 'caption', path: [choice.caption.name], maxDefinitionLevel: levelOf([top(choice.caption.name)]) });
  return leaves;
}

export class ParquetFile {
  private constructor(
    readonly source: SourceFile,
    private readonly handle: fs.FileHandle,
    readonly bytes: ByteSource,
    readonly size: number,
    readonly metadata: FileMetaData,
    readonly schema: SchemaTree,
    readonly rowGroups: readonly RowGroupInfo[],
  ) {}

  get rows(): number {
    return this.rowGroups.reduce((n, g) => n + g.rows, 0);
  }

  static async open(source: SourceFile): Promise<ParquetFile> {
    const handle = await fs.open(source.abs, 'r');
    try {
      const size = (await handle.stat()).size;
      const bytes = handleSource(handle, size);
      const head = size >= 4 ? Buffer.from(await bytes.read(0, 4)).toString('latin1') : '';
      if (head !== MAGIC) {
        throw size < 4 && MAGIC.startsWith(head) && head !== ''
          ? new ImportError('truncated', `${source.name}: truncated (${size} bytes); download it again`)
          : new ImportError('not-parquet', `${source.name}: not a Parquet file (it does not start with PAR1)`);
      }
      const tail = size >= 12 ? await bytes.read(size - 8, 8) : null;
      if (tail === null || Buffer.from(tail.subarray(4)).toString('latin1') !== MAGIC) throw new ImportError('truncated', `${source.name}: truncated (no Parquet footer at its end); download it again`);
      const footerBytes = new DataView(tail.buffer, tail.byteOffset).getUint32(0, true);
      if (footerBytes > MAX_FOOTER_BYTES) throw new ImportError('too-large', `${source.name}: its footer says it is ${mb(footerBytes)}, over the ${mb(MAX_FOOTER_BYTES)} an import reads`);
      if (footerBytes > size - 12) throw new ImportError('corrupt', `${source.name}: its footer says it is ${count(footerBytes)} bytes, more than the file holds; download it again`);
      let metadata: FileMetaData;
      let schema: SchemaTree;
      try {
        // Walked first without allocating: hyparquet allocates whatever counts the footer gives.
        new CompactReader(await bytes.read(size - 8 - footerBytes, footerBytes), 0, 'footer', MAX_FOOTER_VALUES).skip(CompactType.Struct);
      } catch (err) {
        if (err instanceof ParquetFormatError && err.kind === 'too-large') throw new ImportError('too-large', `${source.name}: ${err.message}, more than an import reads`);
        throw new ImportError('corrupt', `${source.name}: its Parquet footer cannot be read (${describeDecodeError(err)}); download it again`);
      }
      try {
        // Not GeoParquet: its pass over the schema trusts num_children (a negative one loops forever).
        metadata = await parquetMetadataAsync(asyncBuffer(bytes, size), { geoparquet: false });
        schema = parquetSchema(metadata);
      } catch (err) {
        throw new ImportError('corrupt', `${source.name}: its Parquet footer cannot be read (${describeDecodeError(err)}); download it again`);
      }
      checkMetadata(metadata, source.name);
      const rowGroups: RowGroupInfo[] = [];
      let start = 0;
      metadata.row_groups.forEach((group, index) => {
        const rows = toCount(group.num_rows, `row group ${index}'s row count`, source.name);
        rowGroups.push({ index, start, rows });
        start += rows;
      });
      if (!Number.isSafeInteger(start)) throw new ImportError('corrupt', `${source.name}: its row groups add up to more rows than can be counted`);
      return new ParquetFile(source, handle, bytes, size, metadata, schema, rowGroups);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private where(group: RowGroupInfo, leaf?: LeafToRead): string {
    return `${this.source.name} row group ${group.index}${leaf ? `, column ${leaf.path.join('.')}` : ''}`;
  }

  private metaOf(group: RowGroupInfo, leaf: LeafToRead): ColumnMetaData {
    const columns = this.metadata.row_groups[group.index]?.columns;
    const chunk = Array.isArray(columns) ? columns.find((c) => Array.isArray(c.meta_data?.path_in_schema) && c.meta_data.path_in_schema.join('\0') === leaf.path.join('\0')) : undefined;
    if (!chunk?.meta_data) throw new ImportError('corrupt', `${this.where(group, leaf)}: the footer has no column chunk for it`);
    return chunk.meta_data;
  }

  /** Where and how a leaf's column chunk is stored, checked against the file and the row group. */
  chunkOf(group: RowGroupInfo, leaf: LeafToRead): ChunkToRead & { uncompressed: number } {
    const meta = this.metaOf(group, leaf);
    const where = this.where(group, leaf);
    if (meta.type !== 'BYTE_ARRAY') throw new ImportError('corrupt', `${where}: its column chunk holds values of ${named(meta.type)}, where the schema says byte arrays`);
    if (typeof meta.codec !== 'string' || !isSupportedCodec(meta.codec)) throw new ImportError('corrupt', `${where}: it is compressed with ${named(meta.codec)}, which an import cannot read`);
    const numValues = toCount(meta.num_values, `${where}: its value count`, this.source.name);
    if (numValues !== group.rows) throw new ImportError('corrupt', `${where}: its column chunk says ${count(numValues)} values, its row group ${count(group.rows)} rows`);
    const dictionary = meta.dictionary_page_offset;
    const start = toCount(typeof dictionary === 'bigint' && dictionary > 0n ? dictionary : meta.data_page_offset, `${where}: its offset`, this.source.name);
    const compressed = toCount(meta.total_compressed_size, `${where}: its size`, this.source.name);
    const uncompressed = toCount(meta.total_uncompressed_size, `${where}: its size`, this.source.name);
    if (start + compressed > this.size) throw new ImportError('corrupt', `${where}: its column chunk (${count(compressed)} bytes at ${count(start)}) runs past the end of the file; download it again`);
    return { codec: meta.codec, start, end: start + compressed, numValues, maxDefinitionLevel: leaf.maxDefinitionLevel, uncompressed };
  }

  /** Refuses a row group an import would not read, before anything is written: rows and bytes over the bounds. */
  checkRowGroup(group: RowGroupInfo, leaves: readonly LeafToRead[], maxBytes: number): void {
    if (group.rows > MAX_ROW_GROUP_ROWS) {
      throw new ImportError('too-large', `${this.where(group)}: it has ${count(group.rows)} rows, over the ${count(MAX_ROW_GROUP_ROWS)} an import reads at once; rewrite the file with smaller row groups`);
    }
    let compressed = 0;
    let uncompressed = 0;
    for (const leaf of leaves) {
      const chunk = this.chunkOf(group, leaf);
      compressed += chunk.end - chunk.start;
      uncompressed += chunk.uncompressed;
    }
    const bytes = Math.max(compressed, uncompressed);
    if (bytes > maxBytes) {
      throw new ImportError(
        'too-large',
        `${this.where(group)}: its columns ${leaves.map((l) => l.path.join('.')).join(', ')} hold ${mb(bytes)}, over the ${mb(maxBytes)} an import reads at once; rewrite the file with smaller row groups`,
      );
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

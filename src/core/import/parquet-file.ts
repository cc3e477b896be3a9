// One Parquet file opened for an import: its magic bytes checked, its footer parsed, its row groups
// listed, and a row group's two columns (image, caption) read on demand. The file is read through one
// open handle with bounds-checked reads, so a footer that points past the end fails cleanly, and a row
// group is refused before it is read when its columns would not fit the memory bound.
import { promises as fs } from 'node:fs';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type Compressors, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ImportError } from './import-errors.js';
import type { SourceFile } from './source-files.js';

const MAGIC = 'PAR1';

export interface RowGroupInfo {
  index: number;
  /** The file's row number of its first row. */
  start: number;
  rows: number;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads of [start, end) through the handle; anything outside the file is an error, not a short read. */
function handleBuffer(handle: fs.FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      if (!(start >= 0 && end >= start && end <= size)) throw new Error(`a read of bytes ${start}-${end} is outside the file (${size} bytes)`);
      const buffer = new Uint8Array(end - start);
      for (let offset = 0; offset < buffer.length; ) {
        const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, start + offset);
        if (bytesRead === 0) throw new Error('the file is shorter than its size; was it changed during the import?');
        offset += bytesRead;
      }
      return buffer.buffer;
    },
  };
}

/** The codecs hyparquet-compressors brings, each refusing a page that claims to inflate past `limit`. */
function boundedCompressors(limit: number): Compressors {
  const bounded: Compressors = {};
  for (const [codec, decompress] of Object.entries(compressors) as [keyof Compressors, NonNullable<Compressors[keyof Compressors]>][]) {
    bounded[codec] = (input, outputLength) => {
      if (outputLength > limit) throw new Error(`a page claims ${outputLength} bytes uncompressed, over the limit of ${limit}`);
      return decompress(input, outputLength);
    };
  }
  return bounded;
}

function toCount(value: bigint, what: string, file: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ImportError('corrupt', `${file}: ${what} is ${value}, not a row count`);
  return n;
}

export class ParquetFile {
  private constructor(
    readonly source: SourceFile,
    private readonly handle: fs.FileHandle,
    private readonly buffer: AsyncBuffer,
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
      const stat = await handle.stat();
      const buffer = handleBuffer(handle, stat.size);
      const head = stat.size >= 4 ? Buffer.from(await buffer.slice(0, 4)).toString('latin1') : '';
      if (head !== MAGIC) {
        throw stat.size < 4 && MAGIC.startsWith(head) && head !== ''
          ? new ImportError('truncated', `${source.name}: truncated (${stat.size} bytes); download it again`)
          : new ImportError('not-parquet', `${source.name}: not a Parquet file (it does not start with PAR1)`);
      }
      const tail = stat.size >= 12 ? Buffer.from(await buffer.slice(stat.size - 4)).toString('latin1') : '';
      if (tail !== MAGIC) throw new ImportError('truncated', `${source.name}: truncated (no Parquet footer at its end); download it again`);
      let metadata: FileMetaData;
      try {
        metadata = await parquetMetadataAsync(buffer);
      } catch (err) {
        throw new ImportError('corrupt', `${source.name}: its Parquet footer cannot be read (${messageOf(err)}); download it again`);
      }
      const rowGroups: RowGroupInfo[] = [];
      let start = 0;
      metadata.row_groups.forEach((group, index) => {
        const rows = toCount(group.num_rows, `row group ${index}'s row count`, source.name);
        rowGroups.push({ index, start, rows });
        start += rows;
      });
      return new ParquetFile(source, handle, buffer, metadata, parquetSchema(metadata), rowGroups);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * The values of `columns` (top-level names) in one row group, one array per row. Refused when those
   * column chunks hold more than `maxBytes` uncompressed: a row group is read into memory whole.
   */
  async readRowGroup(group: RowGroupInfo, columns: readonly string[], maxBytes: number): Promise<unknown[][]> {
    const chunks = this.metadata.row_groups[group.index]!.columns.filter((c) => c.meta_data && columns.includes(c.meta_data.path_in_schema[0] ?? ''));
    const bytes = chunks.reduce((n, c) => n + Number(c.meta_data!.total_uncompressed_size), 0);
    if (!(bytes <= maxBytes)) {
      throw new ImportError(
        'too-large',
        `${this.source.name} row group ${group.index}: its columns ${columns.join(', ')} hold ${(bytes / 2 ** 20).toFixed(0)} MB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MB an import reads at once; rewrite the file with smaller row groups`,
      );
    }
    let rows: unknown[][] = [];
    try {
      await parquetRead({
        file: this.buffer,
        metadata: this.metadata,
        columns: [...columns],
        rowStart: group.start,
        rowEnd: group.start + group.rows,
        // Bytes stay bytes (images); columns annotated as strings still decode as strings.
        utf8: false,
        compressors: boundedCompressors(maxBytes),
        rowFormat: 'array',
        onComplete: (read: unknown[][]) => {
          rows = read;
        },
      });
    } catch (err) {
      throw new ImportError('corrupt', `${this.source.name} row group ${group.index}: cannot be read (${messageOf(err)}); download the file again`);
    }
    if (rows.length !== group.rows) throw new ImportError('corrupt', `${this.source.name} row group ${group.index}: read ${rows.length} rows, its footer says ${group.rows}`);
    return rows;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

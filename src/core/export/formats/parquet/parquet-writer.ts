// Parquet in the layout the Hugging Face datasets library loads with no loading script:
// data/train-00000-of-00002.parquet, data/validation-00000-of-00001.parquet. Images are embedded as the
// `Image` feature (a struct of bytes and path), or referred to by a file_name column with --images none.
// Shards are cut at about shardBytes; the "-of-N" names are given at close, when N is known.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ParquetWriter } from 'hyparquet-writer';
import type { ExportSample, Split } from '../../types.js';
import type { FormatWriter, WriterContext } from '../writer.js';
import { ParquetShardFile } from './shard-file.js';
import { RowGroupBuffer, exportColumns, huggingFaceMetadata, parquetSchema, type ColumnSpec } from './columns.js';

export const PARQUET_DATA_FOLDER = 'data';

/**
 * Rows per row group: datasets writes image datasets 100 rows to a group so that a reader (the Hub's
 * viewer, a streaming loader) can fetch a page of images without a whole shard; captions alone pack
 * tighter. A group also ends when its images pass IMAGE_BYTES_PER_GROUP or a quarter of the shard size,
 * whatever their number: a shard is cut at a group's end, so it overshoots its bound by at most a group.
 */
const ROWS_PER_GROUP_WITH_IMAGES = 100;
const ROWS_PER_GROUP_CAPTIONS_ONLY = 10_000;
const IMAGE_BYTES_PER_GROUP = 64 << 20;

const five = (n: number) => String(n).padStart(5, '0');

/** The final name of shard `index` of `count` in a split. */
export function parquetShardName(split: Split, index: number, count: number): string {
  return `${split}-${five(index)}-of-${five(count)}.parquet`;
}

interface OpenShard {
  file: ParquetShardFile;
  writer: ParquetWriter;
}

class SplitShards {
  private current: OpenShard | null = null;
  private readonly columns: readonly ColumnSpec[];
  private readonly buffer: RowGroupBuffer;
  readonly finished: string[] = [];

  constructor(
    private readonly split: Split,
    private readonly folder: string,
    private readonly options: { embedImages: boolean; shardBytes: number; createdBy: string },
  ) {
    this.columns = exportColumns(options.embedImages);
    this.buffer = new RowGroupBuffer(this.columns);
  }

  /** Adds a row; a promise when a row group is being written. */
  add(sample: ExportSample, image: Buffer | null): Promise<void> | undefined {
    this.buffer.add(sample, image);
    const rowsPerGroup = this.options.embedImages ? ROWS_PER_GROUP_WITH_IMAGES : ROWS_PER_GROUP_CAPTIONS_ONLY;
    const groupBytes = Math.min(IMAGE_BYTES_PER_GROUP, this.options.shardBytes / 4);
    return this.buffer.rows >= rowsPerGroup || this.buffer.imageBytes >= groupBytes ? this.writeGroup() : undefined;
  }

  private async open(): Promise<OpenShard> {
    // A working name until close, when the shard count is known.
    const file = await ParquetShardFile.create(path.join(this.folder, `${this.split}-${five(this.finished.length)}.parquet`));
    const writer = new ParquetWriter({
      writer: file,
      schema: parquetSchema(this.columns),
      kvMetadata: [{ key: 'huggingface', value: huggingFaceMetadata(this.columns) }],
      createdBy: this.options.createdBy,
    });
    return { file, writer };
  }

  private async writeGroup(): Promise<void> {
    if (this.buffer.rows === 0) return;
    const shard = (this.current ??= await this.open());
    const columnData = this.buffer.take().map(({ name, data, image }) =>
      // Encoded images do not compress, and statistics or a dictionary over them would only cost time.
      image ? { name, data, codec: 'UNCOMPRESSED' as const, encoding: 'PLAIN' as const, statistics: false } : { name, data },
    );
    await shard.writer.write({ columnData, rowGroupSize: columnData[0]!.data.length });
    if (shard.file.size >= this.options.shardBytes) await this.finishShard();
  }

  private async finishShard(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = null;
    await shard.writer.finish();
    this.finished.push(shard.file.file);
  }

  async close(): Promise<void> {
    await this.writeGroup();
    await this.finishShard();
    const count = this.finished.length;
    for (let i = 0; i < count; i++) {
      await fs.rename(this.finished[i]!, path.join(this.folder, parquetShardName(this.split, i, count)));
    }
  }

  async abort(): Promise<void> {
    await this.current?.file.abort();
    this.current = null;
  }
}

export interface ParquetWriterOptions {
  shardBytes: number;
  createdBy: string;
}

export function createParquetWriter(context: WriterContext, options: ParquetWriterOptions): FormatWriter {
  const folder = path.join(context.root, PARQUET_DATA_FOLDER);
  const embedImages = context.images !== 'none';
  const splits = new Map<Split, SplitShards>();
  let madeFolder = false;
  return {
    inlineImages: true,
    imageDestination: (sample) => sample.fileName,
    reserve: () => null,
    add(sample, image) {
      const shards = splits.get(sample.split);
      if (shards) return shards.add(sample, embedImages ? image : null);
      return (async () => {
        if (!madeFolder) {
          await fs.mkdir(folder, { recursive: true });
          madeFolder = true;
        }
        const opened = new SplitShards(sample.split, folder, { embedImages, ...options });
        splits.set(sample.split, opened);
        await opened.add(sample, embedImages ? image : null);
      })();
    },
    async close() {
      for (const shards of splits.values()) await shards.close();
    },
    async abort() {
      for (const shards of splits.values()) await shards.abort();
    },
  };
}

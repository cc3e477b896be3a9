// The shards of one split, written row group by row group (on the Parquet thread, parquet-worker.ts): a
// shard is cut once it passes the size bound, at a group's end, and the "-of-N" names are given at close,
// when N is known.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ParquetWriter } from 'hyparquet-writer';
import { compress as snappyCompress } from 'snappyjs';
import type { Split } from '../../types.js';
import { ParquetShardFile } from './shard-file.js';
import { exportColumns, huggingFaceMetadata, parquetSchema, type ColumnSpec, type GroupColumn } from './columns.js';
import { isUtf8Values, utf8Rows } from '../../../util/utf8-column.js';

const five = (n: number) => String(n).padStart(5, '0');

/**
 * Snappy by snappyjs instead of hyparquet-writer's own port of it: the same format, but about 1.8 times as
 * fast on English prose (206 against 113 MB/s, 1 MB pages of text; the port appends a literal's bytes one
 * call each), and as fast on the bench's captions, which repeat so much that Snappy takes them to 8%.
 */
const compressors = { SNAPPY: snappyCompress };

/** The final name of shard `index` of `count` in a split. */
export function parquetShardName(split: Split, index: number, count: number): string {
  return `${split}-${five(index)}-of-${five(count)}.parquet`;
}

/** One row group's values, column by column, in the columns' order (columns.ts's RowGroupBuffer). */
export interface RowGroup {
  columns: GroupColumn[];
}

export interface SplitShardsOptions {
  embedImages: boolean;
  shardBytes: number;
  createdBy: string;
}

interface OpenShard {
  file: ParquetShardFile;
  writer: ParquetWriter;
}

export class SplitShards {
  private current: OpenShard | null = null;
  private readonly columns: readonly ColumnSpec[];
  readonly finished: string[] = [];

  constructor(
    private readonly split: Split,
    private readonly folder: string,
    private readonly options: SplitShardsOptions,
  ) {
    this.columns = exportColumns(options.embedImages);
  }

  private async open(): Promise<OpenShard> {
    // A working name until close, when the shard count is known.
    const file = await ParquetShardFile.create(path.join(this.folder, `${this.split}-${five(this.finished.length)}.parquet`));
    const writer = new ParquetWriter({
      writer: file,
      schema: parquetSchema(this.columns),
      compressors,
      kvMetadata: [{ key: 'huggingface', value: huggingFaceMetadata(this.columns) }],
      createdBy: this.options.createdBy,
    });
    return { file, writer };
  }

  async write(group: RowGroup): Promise<void> {
    const first = group.columns[0]?.data;
    const rows = first === undefined ? 0 : isUtf8Values(first) ? first.ends.length : first.length;
    if (rows === 0) return;
    const shard = (this.current ??= await this.open());
    const columnData = group.columns.map(({ name, data, image }, i) => {
      // A text column's bytes as they came: the encoder writes byte values as they are.
      const values = isUtf8Values(data) ? utf8Rows(data) : data;
      // Encoded images do not compress, and statistics or a dictionary over them would only cost time.
      if (image) return { name, data: values, codec: 'UNCOMPRESSED' as const, encoding: 'PLAIN' as const, statistics: false };
      const spec = this.columns[i];
      if (!spec?.utf8) return { name, data: values };
      return {
        name,
        data: values,
        encoding: 'PLAIN' as const,
        ...(spec.incompressible ? { codec: 'UNCOMPRESSED' as const } : {}),
        ...(spec.noStatistics ? { statistics: false } : {}),
      };
    });
    await shard.writer.write({ columnData, rowGroupSize: rows });
    if (shard.file.size >= this.options.shardBytes) await this.finishShard();
  }

  private async finishShard(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = null;
    await shard.writer.finish();
    this.finished.push(shard.file.file);
  }

  /** Finishes the open shard and gives every shard its final name. */
  async close(): Promise<void> {
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

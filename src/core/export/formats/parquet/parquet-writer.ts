// Parquet in the layout the Hugging Face datasets library loads with no loading script:
// data/train-00000-of-00002.parquet, data/validation-00000-of-00001.parquet. Images are embedded as the
// `Image` feature (a struct of bytes and path), or referred to by a file_name column with --images none.
// Rows are gathered here into row groups; each group is encoded, compressed and written on a thread of its
// own (parquet-worker.ts, split-shards.ts), a few groups in flight, while the export reads on.
import * as path from 'node:path';
import type { Split } from '../../types.js';
import type { FormatWriter, WriterContext } from '../writer.js';
import { RowGroupBuffer, exportColumns } from './columns.js';
import { ParquetThread } from './parquet-thread.js';

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

export interface ParquetWriterOptions {
  shardBytes: number;
  createdBy: string;
}

export function createParquetWriter(context: WriterContext, options: ParquetWriterOptions): FormatWriter {
  const embedImages = context.images !== 'none';
  const columns = exportColumns(embedImages);
  const rowsPerGroup = embedImages ? ROWS_PER_GROUP_WITH_IMAGES : ROWS_PER_GROUP_CAPTIONS_ONLY;
  const groupBytes = Math.min(IMAGE_BYTES_PER_GROUP, options.shardBytes / 4);
  const buffers = new Map<Split, RowGroupBuffer>();
  // Started with the first row group: an export with nothing to write starts no thread.
  let thread: ParquetThread | null = null;
  const send = (split: Split, buffer: RowGroupBuffer): Promise<void> | undefined => {
    thread ??= new ParquetThread({ folder: path.join(context.root, PARQUET_DATA_FOLDER), embedImages, ...options });
    const { columns: groupColumns, transfer } = buffer.take();
    return thread.write(split, { columns: groupColumns }, transfer);
  };
  return {
    inlineImages: true,
    imageDestination: (sample) => sample.fileName,
    reserve: () => null,
    add(sample, image) {
      let buffer = buffers.get(sample.split);
      if (!buffer) buffers.set(sample.split, (buffer = new RowGroupBuffer(columns)));
      buffer.add(sample, embedImages ? image : null);
      return buffer.rows >= rowsPerGroup || buffer.imageBytes >= groupBytes ? send(sample.split, buffer) : undefined;
    },
    async close() {
      for (const [split, buffer] of buffers) {
        if (buffer.rows === 0) continue;
        const sent = send(split, buffer);
        if (sent) await sent;
      }
      await thread?.close();
    },
    async abort() {
      await thread?.abort();
    },
  };
}

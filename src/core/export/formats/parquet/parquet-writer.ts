// Parquet in the layout the Hugging Face datasets library loads with no loading script:
// data/train-00000-of-00002.parquet, data/validation-00000-of-00001.parquet. Images are embedded as the
// `Image` feature (a struct of bytes and path), or referred to by a file_name column with --images none.
// Rows are gathered into row groups (on the export's thread when it reads the images, on its texts thread
// with captions only); each group is encoded, compressed and written on a thread of its own
// (parquet-worker.ts, split-shards.ts), a few groups in flight, while the export reads on.
import * as path from 'node:path';
import { RECAPTION_VERSION } from '../../../../shared/version.js';
import type { ExportSample, Split } from '../../types.js';
import { shardsOfCaptions, shardsWithImages, type FormatWriter, type LineWriter, type SampleShards, type WriterContext } from '../writer.js';
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

/** The rows of every split, gathered into row groups and sent to the Parquet thread as each fills. */
function parquetRows(context: WriterContext): SampleShards {
  const embedImages = context.images !== 'none';
  const columns = exportColumns(embedImages);
  const rowsPerGroup = embedImages ? ROWS_PER_GROUP_WITH_IMAGES : ROWS_PER_GROUP_CAPTIONS_ONLY;
  const shardBytes = context.parquetShardBytes;
  const groupBytes = Math.min(IMAGE_BYTES_PER_GROUP, shardBytes / 4);
  const buffers = new Map<Split, RowGroupBuffer>();
  // Started with the first row group: an export with nothing to write starts no thread.
  let thread: ParquetThread | null = null;
  const send = (split: Split, buffer: RowGroupBuffer): Promise<void> | undefined => {
    thread ??= new ParquetThread({ folder: path.join(context.root, PARQUET_DATA_FOLDER), embedImages, shardBytes, createdBy: `recaption ${RECAPTION_VERSION}` });
    const { columns: groupColumns, transfer } = buffer.take();
    return thread.write(split, { columns: groupColumns }, transfer);
  };
  return {
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

/** Where an embedded image's path says it came from: its name in the dataset. */
export function parquetImageDestination(sample: Pick<ExportSample, 'fileName'>): string {
  return sample.fileName;
}

/** Parquet with the images embedded: its rows gathered on the export's own thread, which reads the images. */
export function createParquetWriter(context: WriterContext): FormatWriter {
  return shardsWithImages(parquetRows(context), parquetImageDestination);
}

/** Parquet of captions only (--images none): its rows gathered on the export's texts thread. */
export function createParquetLines(context: WriterContext): LineWriter {
  return shardsOfCaptions(parquetRows(context));
}

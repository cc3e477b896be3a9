import type { ExportFormat, ImageMode } from '../types.js';
import { createHfLines, hfImageDestination } from './hf-imagefolder.js';
import { createLlavaLines } from './llava.js';
import { createOpenAiLines } from './openai-chat.js';
import { createSidecarWriter } from './sidecar.js';
import { createWebDatasetLines, createWebDatasetWriter, webDatasetImageDestination } from './webdataset.js';
import { createParquetLines, createParquetWriter, parquetImageDestination } from './parquet/parquet-writer.js';
import { chatImageDestination, linesWrittenElsewhere, type FormatWriter, type LineWriter, type WriterContext } from './writer.js';

export type { FormatWriter, LineSample, LineWriter, WriterContext } from './writer.js';

/** The formats whose captions are JSON lines, written on the export's texts thread (LineWriter). */
export const LINE_FORMATS = ['hf', 'llava', 'openai'] as const satisfies readonly ExportFormat[];
export type LineFormat = (typeof LINE_FORMATS)[number];

export function isLineFormat(format: ExportFormat): format is LineFormat {
  return (LINE_FORMATS as readonly ExportFormat[]).includes(format);
}

/**
 * The formats whose shards the texts thread writes when they hold no images: each sample goes to it with its
 * image's facts (ShardSample), which their .json or columns hold.
 */
const SHARD_FORMATS = ['webdataset', 'parquet'] as const satisfies readonly ExportFormat[];
type ShardFormat = (typeof SHARD_FORMATS)[number];

export function isShardFormat(format: ExportFormat): format is ShardFormat {
  return (SHARD_FORMATS as readonly ExportFormat[]).includes(format);
}

/** The formats whose captions the texts thread can write (createLineWriter). */
export type ThreadWrittenFormat = LineFormat | ShardFormat;
const THREAD_WRITTEN_FORMATS: readonly ThreadWrittenFormat[] = [...LINE_FORMATS, ...SHARD_FORMATS];

/**
 * The format when the texts thread writes its captions, else null: a JSON-lines format's always (its images
 * are files placed beside them), WebDataset's and Parquet's when their shards hold no images (only captions
 * and facts then).
 */
export function writtenOnTextsThread(format: ExportFormat, images: ImageMode): ThreadWrittenFormat | null {
  return isLineFormat(format) || (images === 'none' && isShardFormat(format)) ? format : null;
}

/** Checks a texts thread's setup: a format it can write. */
export function isThreadWrittenFormat(format: unknown): format is ThreadWrittenFormat {
  return (THREAD_WRITTEN_FORMATS as readonly unknown[]).includes(format);
}

/** The format's writer on the export's thread; one the texts thread writes only places images (createLineWriter writes its captions). */
export function createWriter(format: ExportFormat, context: WriterContext): FormatWriter {
  switch (format) {
    case 'hf':
      return linesWrittenElsewhere(hfImageDestination);
    case 'llava':
    case 'openai':
      return linesWrittenElsewhere(chatImageDestination);
    case 'parquet':
      return writtenOnTextsThread(format, context.images) ? linesWrittenElsewhere(parquetImageDestination) : createParquetWriter(context);
    case 'sidecar':
      return createSidecarWriter(context);
    case 'webdataset':
      return writtenOnTextsThread(format, context.images) ? linesWrittenElsewhere(webDatasetImageDestination) : createWebDatasetWriter(context);
  }
}

/** The captions of a format the texts thread writes, on that thread. */
export function createLineWriter(format: ThreadWrittenFormat, context: WriterContext): LineWriter {
  switch (format) {
    case 'webdataset':
      return createWebDatasetLines(context);
    case 'parquet':
      return createParquetLines(context);
    case 'hf':
      return createHfLines(context);
    case 'llava':
      return createLlavaLines(context);
    case 'openai':
      return createOpenAiLines(context);
  }
}

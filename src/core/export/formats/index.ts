import type { ExportFormat } from '../types.js';
import { createHfLines, hfImageDestination } from './hf-imagefolder.js';
import { createLlavaLines } from './llava.js';
import { createOpenAiLines } from './openai-chat.js';
import { createSidecarWriter } from './sidecar.js';
import { createWebDatasetWriter } from './webdataset.js';
import { createParquetWriter } from './parquet/parquet-writer.js';
import { RECAPTION_VERSION } from '../../../shared/version.js';
import { chatImageDestination, linesWrittenElsewhere, type FormatWriter, type LineWriter, type WriterContext } from './writer.js';

export type { FormatWriter, LineSample, LineWriter, WriterContext } from './writer.js';

/** The formats whose captions are JSON lines, written on the export's texts thread (LineWriter). */
export const LINE_FORMATS = ['hf', 'llava', 'openai'] as const satisfies readonly ExportFormat[];
export type LineFormat = (typeof LINE_FORMATS)[number];

export function isLineFormat(format: ExportFormat): format is LineFormat {
  return (LINE_FORMATS as readonly ExportFormat[]).includes(format);
}

/** The format's writer on the export's thread; a JSON-lines format's only places images (createLineWriter writes its lines). */
export function createWriter(format: ExportFormat, context: WriterContext): FormatWriter {
  switch (format) {
    case 'hf':
      return linesWrittenElsewhere(hfImageDestination);
    case 'llava':
    case 'openai':
      return linesWrittenElsewhere(chatImageDestination);
    case 'parquet':
      return createParquetWriter(context, { shardBytes: context.parquetShardBytes, createdBy: `recaption ${RECAPTION_VERSION}` });
    case 'sidecar':
      return createSidecarWriter(context);
    case 'webdataset':
      return createWebDatasetWriter(context);
  }
}

/** A JSON-lines format's lines, on the thread that writes them. */
export function createLineWriter(format: LineFormat, context: WriterContext): LineWriter {
  switch (format) {
    case 'hf':
      return createHfLines(context);
    case 'llava':
      return createLlavaLines(context);
    case 'openai':
      return createOpenAiLines(context);
  }
}

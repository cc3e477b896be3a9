import type { ExportFormat } from '../types.js';
import { createHfWriter } from './hf-imagefolder.js';
import { createLlavaWriter } from './llava.js';
import { createOpenAiWriter } from './openai-chat.js';
import { createSidecarWriter } from './sidecar.js';
import { createWebDatasetWriter } from './webdataset.js';
import { createParquetWriter } from './parquet/parquet-writer.js';
import { RECAPTION_VERSION } from '../../../shared/version.js';
import type { FormatWriter, WriterContext } from './writer.js';

export type { FormatWriter, WriterContext } from './writer.js';

export function createWriter(format: ExportFormat, context: WriterContext): FormatWriter {
  switch (format) {
    case 'hf':
      return createHfWriter(context);
    case 'parquet':
      return createParquetWriter(context, { shardBytes: context.parquetShardBytes, createdBy: `recaption ${RECAPTION_VERSION}` });
    case 'sidecar':
      return createSidecarWriter(context);
    case 'webdataset':
      return createWebDatasetWriter(context);
    case 'llava':
      return createLlavaWriter(context);
    case 'openai':
      return createOpenAiWriter(context);
  }
}

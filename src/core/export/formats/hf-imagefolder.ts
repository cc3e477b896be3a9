// Hugging Face imagefolder: train/ and validation/, each with its images and a metadata.jsonl whose
// file_name is relative to that folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { captionJson } from '../../../shared/caption-text.js';
import { TextSink } from '../text-sink.js';
import type { ExportSample } from '../types.js';
import { SinksPerSplit, imageReference, type FormatWriter, type WriterContext } from './writer.js';

export function createHfWriter(context: WriterContext): FormatWriter {
  const sinks = new SinksPerSplit(async (split) => {
    await fs.mkdir(path.join(context.root, split), { recursive: true });
    return TextSink.create(path.join(context.root, split, 'metadata.jsonl'));
  });
  return {
    inlineImages: false,
    imageDestination: (sample) => `${sample.split}/${sample.fileName}`,
    reserve: () => null,
    add(sample: ExportSample) {
      // JSON.stringify({ file_name, text, caption_source }), the caption without stringify when it is plain.
      const fileName = JSON.stringify(imageReference(context, sample, sample.fileName));
      return sinks.writeLine(sample.split, `{"file_name":${fileName},"text":${captionJson(sample.caption, sample.plain)},"caption_source":${JSON.stringify(sample.source)}}`);
    },
    close: () => sinks.close(),
    abort: () => sinks.abort(),
  };
}

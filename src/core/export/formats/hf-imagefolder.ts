// Hugging Face imagefolder: train/ and validation/, each with its images and a metadata.jsonl whose
// file_name is relative to that folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import type { ExportSample } from '../types.js';
import { SinksPerSplit, imageReference, type LineWriter, type WriterContext } from './writer.js';

/** Where an image goes: beside its split's metadata.jsonl. */
export function hfImageDestination(sample: Pick<ExportSample, 'split' | 'fileName'>): string {
  return `${sample.split}/${sample.fileName}`;
}

export function createHfLines(context: WriterContext): LineWriter {
  const sinks = new SinksPerSplit(async (split) => {
    await fs.mkdir(path.join(context.root, split), { recursive: true });
    return TextSink.create(path.join(context.root, split, 'metadata.jsonl'));
  });
  return {
    add(sample) {
      // JSON.stringify({ file_name, text, caption_source }), the caption without stringify when it is plain.
      const fileName = JSON.stringify(imageReference(context, sample, sample.fileName));
      return sinks.writeWithCaption(sample.split, `{"file_name":${fileName},"text":`, sample.caption, `,"caption_source":${JSON.stringify(sample.source)}}`, true);
    },
    close: () => sinks.close(),
    abort: () => sinks.abort(),
  };
}

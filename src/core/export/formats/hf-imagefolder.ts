// Hugging Face imagefolder: train/ and validation/, each with its images and a metadata.jsonl whose
// file_name is relative to that folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import type { ExportSample } from '../types.js';
import { PerSplit, imageReference, type FormatWriter, type WriterContext } from './writer.js';

export function createHfWriter(context: WriterContext): FormatWriter {
  const sinks = new PerSplit(async (split) => {
    await fs.mkdir(path.join(context.root, split), { recursive: true });
    return TextSink.create(path.join(context.root, split, 'metadata.jsonl'));
  });
  return {
    inlineImages: false,
    imageDestination: (sample) => `${sample.split}/${sample.fileName}`,
    reserve: () => null,
    async add(sample: ExportSample) {
      const line = { file_name: imageReference(context, sample, sample.fileName), text: sample.caption, caption_source: sample.source };
      await (await sinks.get(sample.split)).write(JSON.stringify(line) + '\n');
    },
    async close() {
      for (const sink of sinks.values()) await sink.close();
    },
    async abort() {
      for (const sink of sinks.values()) await sink.abort();
    },
  };
}

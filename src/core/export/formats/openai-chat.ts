// OpenAI-style chat JSONL: train.jsonl / validation.jsonl, one
// {messages: [{role: user, content: [text prompt, image_url]}, {role: assistant, content: caption}]} per line.
// The image URL is a path relative to the export folder (images/...), or to the dataset with --images none.
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import { PerSplit, imageReference, type FormatWriter, type WriterContext } from './writer.js';

export function createOpenAiWriter(context: WriterContext): FormatWriter {
  const sinks = new PerSplit((split) => TextSink.create(path.join(context.root, `${split}.jsonl`)));
  return {
    inlineImages: false,
    imageDestination: (sample) => `images/${sample.fileName}`,
    reserve: () => null,
    async add(sample) {
      const url = imageReference(context, sample, `images/${sample.fileName}`);
      const line = {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: context.prompt },
              { type: 'image_url', image_url: { url } },
            ],
          },
          { role: 'assistant', content: sample.caption },
        ],
      };
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

// OpenAI-style chat JSONL: train.jsonl / validation.jsonl, one
// {messages: [{role: user, content: [text prompt, image_url]}, {role: assistant, content: caption}]} per line.
// The image URL is a path relative to the export folder (images/...), or to the dataset with --images none.
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import { SinksPerSplit, imageReference, type FormatWriter, type WriterContext } from './writer.js';

export function createOpenAiWriter(context: WriterContext): FormatWriter {
  const sinks = new SinksPerSplit((split) => TextSink.create(path.join(context.root, `${split}.jsonl`)));
  return {
    inlineImages: false,
    imageDestination: (sample) => `images/${sample.fileName}`,
    reserve: () => null,
    add(sample) {
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
      return sinks.writeLine(sample.split, JSON.stringify(line));
    },
    close: () => sinks.close(),
    abort: () => sinks.abort(),
  };
}

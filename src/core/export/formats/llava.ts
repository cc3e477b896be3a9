// LLaVA conversation JSON: train.json / validation.json, each a list of
// {id, image, conversations: [{from: human, value: "<image>\n<prompt>"}, {from: gpt, value: caption}]}.
// `image` is relative to the image folder LLaVA is pointed at (images/ here, or the dataset with --images none).
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import type { FormatWriter, WriterContext } from './writer.js';

export function createLlavaWriter(context: WriterContext): FormatWriter {
  const started = new Set<string>();
  const sinks = new Map<string, TextSink>();
  const sinkFor = async (split: string): Promise<TextSink> => {
    let sink = sinks.get(split);
    if (!sink) {
      sink = await TextSink.create(path.join(context.root, `${split}.json`));
      sinks.set(split, sink);
      await sink.write('[\n');
    }
    return sink;
  };
  return {
    inlineImages: false,
    imageDestination: (sample) => `images/${sample.fileName}`,
    reserve: () => null,
    async add(sample) {
      const sink = await sinkFor(sample.split);
      const entry = {
        id: sample.fileName,
        image: sample.fileName,
        conversations: [
          { from: 'human', value: `<image>\n${context.prompt}` },
          { from: 'gpt', value: sample.caption },
        ],
      };
      await sink.write((started.has(sample.split) ? ',\n' : '') + JSON.stringify(entry));
      started.add(sample.split);
    },
    async close() {
      for (const sink of sinks.values()) {
        await sink.write('\n]\n');
        await sink.close();
      }
    },
    async abort() {
      for (const sink of sinks.values()) await sink.abort();
    },
  };
}

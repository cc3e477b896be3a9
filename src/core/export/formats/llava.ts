// LLaVA conversation JSON: train.json / validation.json, each a list of
// {id, image, conversations: [{from: human, value: "<image>\n<prompt>"}, {from: gpt, value: caption}]}.
// `image` is relative to the image folder LLaVA is pointed at (images/ here, or the dataset with --images none).
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import { SinksPerSplit, type LineSample, type LineWriter, type WriterContext } from './writer.js';

export function createLlavaLines(context: WriterContext): LineWriter {
  const started = new Set<string>();
  const sinks = new SinksPerSplit(async (split) => {
    const sink = await TextSink.create(path.join(context.root, `${split}.json`));
    await sink.write('[\n');
    return sink;
  });
  // Each entry is JSON.stringify of { id, image, conversations: [human: image and prompt, gpt: caption] },
  // the human's part the same in every entry, the caption without stringify when it is plain.
  const human = `,"conversations":[{"from":"human","value":${JSON.stringify(`<image>\n${context.prompt}`)}},{"from":"gpt","value":`;
  const headOf = (sample: LineSample) => {
    const name = JSON.stringify(sample.fileName);
    const head = `${started.has(sample.split) ? ',\n' : ''}{"id":${name},"image":${name}${human}`;
    started.add(sample.split);
    return head;
  };
  return {
    add(sample) {
      return sinks.writeWithCaption(sample.split, headOf(sample), sample.caption, '}]}', false);
    },
    async close() {
      for (const sink of sinks.values()) {
        await sink.write('\n]\n');
        await sink.close();
      }
    },
    abort: () => sinks.abort(),
  };
}

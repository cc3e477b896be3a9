// OpenAI-style chat JSONL: train.jsonl / validation.jsonl, one
// {messages: [{role: user, content: [text prompt, image_url]}, {role: assistant, content: caption}]} per line.
// The image URL is a path relative to the export folder (images/...), or to the dataset with --images none.
import * as path from 'node:path';
import { TextSink } from '../text-sink.js';
import { SinksPerSplit, imageReference, type LineWriter, type WriterContext } from './writer.js';

export function createOpenAiLines(context: WriterContext): LineWriter {
  const sinks = new SinksPerSplit((split) => TextSink.create(path.join(context.root, `${split}.jsonl`)));
  // Each line is JSON.stringify of { messages: [user: prompt and image, assistant: caption] }, written in
  // three parts: the prompt's part the same on every line, the caption without stringify when it is plain.
  const userStart = `{"messages":[{"role":"user","content":[{"type":"text","text":${JSON.stringify(context.prompt)}},{"type":"image_url","image_url":{"url":`;
  const assistantStart = '}}]},{"role":"assistant","content":';
  return {
    add(sample) {
      const url = JSON.stringify(imageReference(context, sample, `images/${sample.fileName}`));
      return sinks.writeWithCaption(sample.split, `${userStart}${url}${assistantStart}`, sample.caption, '}]}', true);
    },
    close: () => sinks.close(),
    abort: () => sinks.abort(),
  };
}

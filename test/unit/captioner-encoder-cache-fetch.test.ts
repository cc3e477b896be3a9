// Skipping the unchanged cross-attention cache outputs of Florence-2's merged decoder: cached steps fetch
// only the other outputs, and generation gives the same tokens as fetching everything.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { AutoProcessor, Florence2ForConditionalGeneration, Tensor } from '@huggingface/transformers';
import { skipUnchangedEncoderCache, type DecoderSession } from '../../src/core/captioner/local/families/encoder-cache-fetch.js';
import { writeModel } from '../support/models/tiny-models.js';
import { removeDir, tempDir } from './captioner-fixture.js';

let dir = '';
before(async () => {
  dir = await tempDir('recaption-encoder-cache-');
  // Random weights, two layers: the decoder runs free and its cross-attention reads the cache every step.
  await writeModel(dir, 'florence2', { hiddenSize: 16, layers: 2, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 5, vocabSize: 96, lengths: { ssc: 6, dsc: 14 } });
});
after(async () => removeDir(path.resolve(dir)));

async function loadFlorence(): Promise<Florence2ForConditionalGeneration> {
  const model = await Florence2ForConditionalGeneration.from_pretrained(dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  assert.ok(model instanceof Florence2ForConditionalGeneration);
  return model;
}

async function generate(model: Florence2ForConditionalGeneration): Promise<bigint[]> {
  const processor = (await AutoProcessor.from_pretrained(dir, { local_files_only: true })) as unknown as {
    tokenizer: (text: string[], options: { padding: boolean }) => { input_ids: Tensor; attention_mask: Tensor };
    construct_prompts(text: string): string[];
  };
  const plane = 3 * 32 * 32;
  const pixels = new Float32Array(2 * plane).map((_, i) => (i < plane ? Math.sin(i * 0.29) : -Math.cos(i * 0.13)));
  const image = (await model.encode_image({ pixel_values: new Tensor('float32', pixels, [2, 3, 32, 32]) })) as Tensor;
  const prompts = [...processor.construct_prompts('<CAPTION>'), ...processor.construct_prompts('<MORE_DETAILED_CAPTION>')];
  const { input_ids, attention_mask } = processor.tokenizer(prompts, { padding: true });
  const text = (await model.encode_text({ input_ids })) as Tensor;
  const merged = model._merge_input_ids_with_image_features({ inputs_embeds: text, image_features: image, input_ids, attention_mask });
  const out = (await model.generate({ inputs_embeds: merged.inputs_embeds, attention_mask: merged.attention_mask } as Parameters<Florence2ForConditionalGeneration['generate']>[0])) as Tensor;
  return Array.from(out.data as BigInt64Array);
}

test('cached decoding steps fetch no encoder cache outputs, and the tokens are the same', async () => {
  const plain = await loadFlorence();
  const skipping = await loadFlorence();
  try {
    const session = skipping.sessions.decoder_model_merged as DecoderSession;
    // Record what each run asks for, beneath the wrapper.
    const fetched: (readonly string[] | 'all')[] = [];
    const original = session.run.bind(session);
    session.run = (feeds, ...rest) => {
      fetched.push(Array.isArray(rest[0]) ? (rest[0] as string[]) : 'all');
      return original(feeds, ...rest);
    };
    assert.equal(skipUnchangedEncoderCache(session), true);

    const expected = await generate(plain);
    const actual = await generate(skipping);
    assert.deepEqual(actual, expected);
    const half = expected.length / 2;
    assert.notDeepEqual(expected.slice(0, half), expected.slice(half), 'the two rows decode differently');
    assert.equal(fetched[0], 'all', 'the first step computes and returns the cache');
    assert.ok(fetched.length > 5);
    for (const names of fetched.slice(1)) {
      assert.ok(names !== 'all', 'later steps fetch a subset');
      assert.ok(names.length > 0 && !names.some((n) => n.includes('.encoder.')), `no encoder cache output in ${names.join(', ')}`);
      assert.ok(names.includes('logits'));
    }
  } finally {
    await plain.dispose();
    await skipping.dispose();
  }
});

test('a session without encoder cache outputs is left as it is', () => {
  const run = async () => ({});
  const session: DecoderSession = { outputNames: ['logits', 'present.0.key', 'present.0.value'], run };
  assert.equal(skipUnchangedEncoderCache(session), false);
  assert.equal(session.run, run);
});

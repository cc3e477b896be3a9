// The token-embedding cache that saves Florence-2 one embed_tokens run per generated token: exact results
// against the real session, fewer runs, bounded size, and identical generations on a random-weight model.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { AutoProcessor, Florence2ForConditionalGeneration, Tensor } from '@huggingface/transformers';
import { TokenEmbeddingCache } from '../../src/core/captioner/local/families/token-embedding-cache.js';
import { writeModel } from '../support/models/tiny-models.js';
import { removeDir, tempDir } from './captioner-fixture.js';

type Embed = (inputs: { input_ids: Tensor }) => Promise<Tensor>;

// Random weights: every token has its own embedding (the scripted fixtures' are mostly zeros).
let dir = '';
before(async () => {
  dir = await tempDir('recaption-embed-cache-');
  await writeModel(dir, 'florence2', { hiddenSize: 16, layers: 1, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 3, vocabSize: 96, lengths: { ssc: 6, dsc: 14 } });
});
after(async () => removeDir(path.resolve(dir)));

async function loadFlorence(folder: string): Promise<Florence2ForConditionalGeneration> {
  const model = await Florence2ForConditionalGeneration.from_pretrained(folder, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  assert.ok(model instanceof Florence2ForConditionalGeneration);
  return model;
}

function ids(rows: number[][]): Tensor {
  return new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
}

test('single-token steps come from the cache with the session output, exactly', async () => {
  const model = await loadFlorence(dir);
  try {
    const embed = model.encode_text.bind(model) as Embed;
    const cache = new TokenEmbeddingCache(embed);
    const step = ids([[5], [7], [9], [5]]);
    const direct = await embed({ input_ids: step });
    const first = await cache.encode({ input_ids: step });
    assert.deepEqual(first.dims, direct.dims);
    assert.deepEqual(Array.from(first.data as Float32Array), Array.from(direct.data as Float32Array));
    assert.equal(cache.runs, 1, 'the three distinct tokens are embedded in one run');
    const again = await cache.encode({ input_ids: ids([[9], [5], [7]]) });
    assert.equal(cache.runs, 1, 'known tokens need no run');
    assert.equal(cache.hits, 3);
    const expected = await embed({ input_ids: ids([[9], [5], [7]]) });
    assert.deepEqual(Array.from(again.data as Float32Array), Array.from(expected.data as Float32Array));
    // A prompt (several tokens per row) goes to the session as it is.
    const prompt = ids([[0, 5, 7, 2]]);
    assert.deepEqual(Array.from((await cache.encode({ input_ids: prompt })).data as Float32Array), Array.from((await embed({ input_ids: prompt })).data as Float32Array));
    assert.equal(cache.runs, 2);
  } finally {
    await model.dispose();
  }
});

test('past its capacity the cache still answers correctly and keeps no more rows', async () => {
  const model = await loadFlorence(dir);
  try {
    const embed = model.encode_text.bind(model) as Embed;
    const cache = new TokenEmbeddingCache(embed, 1);
    const out = await cache.encode({ input_ids: ids([[5], [7]]) });
    assert.deepEqual(Array.from(out.data as Float32Array), Array.from((await embed({ input_ids: ids([[5], [7]]) })).data as Float32Array));
    await cache.encode({ input_ids: ids([[5]]) });
    assert.equal(cache.runs, 1, 'the first token was kept');
    await cache.encode({ input_ids: ids([[7]]) });
    assert.equal(cache.runs, 2, 'the second was not (capacity 1)');
  } finally {
    await model.dispose();
  }
});

test('generation with the cache gives the same tokens as without it (random weights, free-running decoder)', async () => {
  {
    const plain = await loadFlorence(dir);
    const cached = await loadFlorence(dir);
    const cache = new TokenEmbeddingCache(cached.encode_text.bind(cached) as Embed);
    cached.encode_text = (inputs: { input_ids: Tensor }) => cache.encode(inputs);
    const processor = (await AutoProcessor.from_pretrained(dir, { local_files_only: true })) as unknown as {
      tokenizer: (text: string[], options: { padding: boolean }) => { input_ids: Tensor; attention_mask: Tensor };
      construct_prompts(text: string): string[];
    };
    // Two different images and two different prompts, so the rows decode differently.
    const plane = 3 * 32 * 32;
    const pixels = new Float32Array(2 * plane).map((_, i) => (i < plane ? Math.sin(i * 0.37) : -Math.cos(i * 0.11)));
    const generate = async (model: Florence2ForConditionalGeneration): Promise<bigint[]> => {
      const image = (await model.encode_image({ pixel_values: new Tensor('float32', pixels, [2, 3, 32, 32]) })) as Tensor;
      const { input_ids, attention_mask } = processor.tokenizer(processor.construct_prompts('<CAPTION>').concat(processor.construct_prompts('<MORE_DETAILED_CAPTION>')), { padding: true });
      const text = (await model.encode_text({ input_ids })) as Tensor;
      const merged = model._merge_input_ids_with_image_features({ inputs_embeds: text, image_features: image, input_ids, attention_mask });
      const out = (await model.generate({ inputs_embeds: merged.inputs_embeds, attention_mask: merged.attention_mask } as Parameters<Florence2ForConditionalGeneration['generate']>[0])) as Tensor;
      return Array.from(out.data as BigInt64Array);
    };
    const rowsDiffer = (tokens: bigint[]) => tokens.slice(0, tokens.length / 2).join() !== tokens.slice(tokens.length / 2).join();
    const expected = await generate(plain);
    const actual = await generate(cached);
    assert.deepEqual(actual, expected);
    assert.ok(new Set(expected).size > 4, 'the random model generates varied tokens');
    assert.ok(rowsDiffer(expected), 'the two rows generate different tokens');
    assert.ok(cache.hits > 0, 'later steps were served from the cache');
    await plain.dispose();
    await cached.dispose();
  }
});

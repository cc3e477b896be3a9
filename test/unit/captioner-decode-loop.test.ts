// The own decode loop against transformers.js's generate(), through the product's backend, on real
// inference: the scripted tiny fixtures of both families, and generated random-weight models whose rows
// end at different steps (so finished rows leave the batch) or run into the token limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import type { DecodeLoop } from '../../src/core/captioner/local/families/family.js';
import type { Dtype } from '../../src/core/captioner/local/dtype.js';
import { GENERATED_DTYPES, SCRIPTED_CAPTIONS, writeModel, type TinyFamily, type TinyModelOptions } from '../support/models/tiny-models.js';
import { BLUE, COLOUR_WORD, GRAY, GREEN, RED, TINY_FLORENCE2, TINY_VIT_GPT2, removeDir, tempDir, writeImage, type Rgb } from './captioner-fixture.js';

const COLOURS: readonly Rgb[] = [RED, GREEN, BLUE, GRAY, GRAY, RED];

async function captionWith(model: string, loop: DecodeLoop, dir: string, extra: { maxNewTokens?: number; dtype?: Dtype } = {}) {
  const backend = await createLocalBackend({ model, device: 'cpu', decodeLoop: loop, ...extra });
  try {
    const images: PreparedImage[] = [];
    for (const [i, rgb] of COLOURS.entries()) {
      const file = path.join(dir, `${i}.png`);
      await writeImage(file, rgb);
      images.push(await backend.prepare(file, `${i}.png`));
    }
    return { results: await backend.caption(images, ['ssc', 'dsc']), describe: backend.describe(), loop: backend.decodeLoop.loop };
  } finally {
    await backend.dispose();
  }
}

/** A generated random-weight model: real float compute, caption lengths per colour class. */
async function randomModel(dir: string, family: TinyFamily, lengths: TinyModelOptions['lengths']): Promise<string> {
  const folder = path.join(dir, `random-${family}`);
  await writeModel(folder, family, { hiddenSize: 16, layers: 2, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 3, vocabSize: 300, lengths });
  return folder;
}

for (const [name, folder] of [['Florence-2', TINY_FLORENCE2], ['vision-encoder-decoder', TINY_VIT_GPT2]] as const) {
  for (const dtype of GENERATED_DTYPES) {
  test(`${name} fixture, ${dtype}: the own loop writes exactly generate()'s captions, each ending at its end-of-sequence token`, async () => {
    const dir = await tempDir();
    try {
      const own = await captionWith(folder, 'own', dir, { dtype });
      const generated = await captionWith(folder, 'generate', dir, { dtype });
      assert.match(own.describe, new RegExp(` ${dtype} on cpu`));
      assert.equal(own.loop, 'own');
      assert.equal(generated.loop, 'generate');
      assert.match(generated.describe, /decoding with transformers\.js generate\(\)/);
      assert.doesNotMatch(own.describe, /generate/);
      assert.deepEqual(own.results, generated.results);
      for (const r of own.results) assert.ok(r.ok && Object.values(r.finish ?? {}).every((f) => f === 'eos'), JSON.stringify(r));
      // The scripted captions survive quantization: the colour channels are far apart.
      assert.deepEqual(own.results.map((r) => r.ok && r.captions.ssc), COLOURS.map((c) => SCRIPTED_CAPTIONS.ssc(COLOUR_WORD.get(c)!)));
    } finally {
      await removeDir(dir);
    }
  });
  }
}

for (const family of ['florence2', 'vit-gpt2'] as const) {
  test(`random-weight ${family}: rows ending at different steps, and the token limit, give generate()'s captions and finish reasons, in every dtype`, async () => {
    const dir = await tempDir();
    try {
      const model = await randomModel(dir, family, { ssc: [2, 5, 9, 3], dsc: [4, 11, 7, 14] });
      for (const dtype of GENERATED_DTYPES.filter((d) => d !== 'fp32')) {
        assert.deepEqual((await captionWith(model, 'own', dir, { dtype })).results, (await captionWith(model, 'generate', dir, { dtype })).results, dtype);
      }
      const own = await captionWith(model, 'own', dir);
      assert.deepEqual(own.results, (await captionWith(model, 'generate', dir)).results);
      assert.ok(own.results.every((r) => r.ok && r.finish?.ssc === 'eos'));
      // Six new tokens: Florence-2 spends one on its forced <s>, so its 5-word row reaches the limit too.
      const limited = await captionWith(model, 'own', dir, { maxNewTokens: 6 });
      assert.deepEqual(limited.results, (await captionWith(model, 'generate', dir, { maxNewTokens: 6 })).results);
      const finishes = limited.results.slice(0, 4).map((r) => (r.ok ? r.finish?.ssc : r.error));
      assert.deepEqual(finishes, family === 'florence2' ? ['eos', 'length', 'length', 'eos'] : ['eos', 'eos', 'length', 'eos']);
    } finally {
      await removeDir(dir);
    }
  });
}

// The bench model: the Florence-2 layout from the tiny-model generator, with seeded random weights and
// fixed caption lengths, so every run does the same work. Generated into bench/out/models/<name>, once
// per distinct set of options (a stamp file holds the options it was made with), in every dtype the
// generator writes. Its fp16 is fp16-I/O (float32 arithmetic inside): `--dtype fp16` exercises the float16
// feeds, not float16 speed (for that, convert the fp32 files with onnxruntime.transformers.float16).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GENERATOR_VERSION, writeModel, type TinyModelOptions } from '../../test/support/models/tiny-models.js';

export type ModelSize = 'bench' | 'base';

/**
 * bench: one image's SSC + DSC takes about 100 ms on a 2-core CPU (d_model 96, 2 layers per stack), with
 *   Florence-2's input size (768 px) and image-token count (24 x 24 = 576 patches), so decode/preprocess
 *   and the encoder's sequence length are the real ones; only the widths and depths are small.
 * base: Florence-2-base's language-model dimensions (d_model 768, 6 + 6 layers, 12 heads, FFN 3072,
 *   vocabulary 51,289) with the same 768 px / 576-token vision input; for a GPU machine. The vision
 *   tower is the generator's ViT, not DaViT, so this approximates the real model's compute.
 */
export const MODEL_SIZES: Record<ModelSize, TinyModelOptions> = {
  bench: { hiddenSize: 96, layers: 2, heads: 4, intermediateSize: 192, imageSize: 768, patchSize: 32, weights: 'random', seed: 7, vocabSize: 4096, lengths: { ssc: 20, dsc: 80 } },
  base: { hiddenSize: 768, layers: 6, heads: 12, intermediateSize: 3072, imageSize: 768, patchSize: 32, weights: 'random', seed: 7, vocabSize: 51289, lengths: { ssc: 20, dsc: 80 } },
};

export function modelOptions(size: ModelSize, overrides: Partial<TinyModelOptions> = {}): TinyModelOptions {
  return { ...MODEL_SIZES[size], ...overrides };
}

/** Writes the model unless bench/out already holds one made with the same options; returns its folder. */
export async function ensureBenchModel(outRoot: string, name: string, options: TinyModelOptions): Promise<{ folder: string; generatedSeconds: number | null }> {
  return ensureGeneratedModel(path.join(outRoot, 'models', name), options, (folder) => writeModel(folder, 'florence2', options));
}

/**
 * Runs `write` into `folder` unless it holds a model made with these `options` by this generator version
 * (a stamp file keeps them):
 * generated models are reused from run to run.
 */
export async function ensureGeneratedModel(folder: string, options: object, write: (folder: string) => Promise<unknown>): Promise<{ folder: string; generatedSeconds: number | null }> {
  const stampFile = path.join(folder, 'bench-stamp.json');
  // A new generator (e.g. one that writes more dtypes) makes new files from the same options.
  const stamp = JSON.stringify({ options, generator: GENERATOR_VERSION });
  const existing = await fs.readFile(stampFile, 'utf8').catch(() => null);
  if (existing === stamp) return { folder, generatedSeconds: null };
  const started = performance.now();
  await fs.rm(folder, { recursive: true, force: true });
  await write(folder);
  await fs.writeFile(stampFile, stamp);
  return { folder, generatedSeconds: (performance.now() - started) / 1000 };
}

// Generates small captioning models in exactly the Hugging Face ONNX layout that transformers.js 4.3.1
// loads: a Florence-2 layout (tiny-florence2.ts) and a vision-encoder-decoder (vit-gpt2) layout
// (tiny-vit-gpt2.ts), whose captions a script ties to the image's dominant colour (caption-script.ts).
// Deterministic: the same options give the same bytes. test/fixtures/models holds the tiny ones
// (regenerate with `npx tsx scripts/gen-models.ts`); the bench generates larger ones with random weights.
import { florence2Files } from './tiny-florence2.js';
import { vitGpt2Files } from './tiny-vit-gpt2.js';
import { writeModelFolder } from './model-files.js';
import type { TinyModelOptions } from './model-parts.js';

export { SCRIPTED_CAPTIONS } from './caption-script.js';
export { GENERATED_DTYPES, GENERATOR_VERSION } from './model-files.js';
export type { GeneratedDtype, TinyModelOptions } from './model-parts.js';

export const TINY_FLORENCE2: TinyModelOptions = { hiddenSize: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 4, weights: 'scripted' };
export const TINY_VIT_GPT2: TinyModelOptions = { hiddenSize: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 4, weights: 'scripted' };

export type TinyFamily = 'florence2' | 'vit-gpt2';

/** The files of a generated model, by path relative to the model folder. */
export function generateModelFiles(family: TinyFamily, options: TinyModelOptions): Record<string, string | Uint8Array> {
  return family === 'florence2' ? florence2Files(options) : vitGpt2Files(options);
}

/** Writes a generated model into `folder` (created if needed); returns the files written. */
export async function writeModel(folder: string, family: TinyFamily, options: TinyModelOptions): Promise<string[]> {
  return writeModelFolder(folder, generateModelFiles(family, options));
}

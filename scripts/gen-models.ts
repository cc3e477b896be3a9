// Regenerates the tiny test models under test/fixtures/models (or a folder given with --out), or a
// bench-sized model with --family/--hidden/... options. Run: npx tsx scripts/gen-models.ts [--help]
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { writeTinyClip } from '../test/support/models/tiny-clip.js';
import { TINY_FLORENCE2, TINY_VIT_GPT2, writeModel, type TinyFamily, type TinyModelOptions } from '../test/support/models/tiny-models.js';

const HELP = `usage: npx tsx scripts/gen-models.ts [--out <folder>]
  Regenerates test/fixtures/models/tiny-florence2, tiny-vit-gpt2 and tiny-clip (or all under --out).
or:    npx tsx scripts/gen-models.ts --family florence2|vit-gpt2 --out <folder> [--hidden N] [--layers N]
         [--heads N] [--ffn N] [--image-size N] [--patch-size N] [--vocab N] [--ssc-tokens N] [--dsc-tokens N]
         [--random] [--seed N]
  One model with the given dimensions ('--random' fills the blocks with seeded random weights and fixes
  the caption lengths: the bench model).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      family: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      ffn: { type: 'string' },
      'image-size': { type: 'string' },
      'patch-size': { type: 'string' },
      vocab: { type: 'string' },
      'ssc-tokens': { type: 'string' },
      'dsc-tokens': { type: 'string' },
      random: { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!values.family) {
    const root = path.resolve(values.out ?? path.join(__dirname, '..', 'test', 'fixtures', 'models'));
    await writeModel(path.join(root, 'tiny-florence2'), 'florence2', TINY_FLORENCE2);
    await writeModel(path.join(root, 'tiny-vit-gpt2'), 'vit-gpt2', TINY_VIT_GPT2);
    await writeTinyClip(path.join(root, 'tiny-clip'));
    console.log(`wrote tiny-florence2, tiny-vit-gpt2 and tiny-clip under ${root}`);
    return;
  }
  if (values.family !== 'florence2' && values.family !== 'vit-gpt2') throw new Error(`--family must be florence2 or vit-gpt2\n${HELP}`);
  if (!values.out) throw new Error(`--out is required with --family\n${HELP}`);
  const int = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number.parseInt(v, 10));
  const base = values.family === 'florence2' ? TINY_FLORENCE2 : TINY_VIT_GPT2;
  const options: TinyModelOptions = {
    hiddenSize: int(values.hidden, base.hiddenSize),
    layers: int(values.layers, base.layers),
    heads: int(values.heads, base.heads),
    intermediateSize: values.ffn ? int(values.ffn, 0) : undefined,
    imageSize: int(values['image-size'], base.imageSize),
    patchSize: int(values['patch-size'], base.patchSize),
    weights: values.random ? 'random' : 'scripted',
    seed: int(values.seed, 1),
    vocabSize: values.vocab ? int(values.vocab, 0) : undefined,
    lengths: { ssc: int(values['ssc-tokens'], 20), dsc: int(values['dsc-tokens'], 80) },
  };
  const family: TinyFamily = values.family;
  await writeModel(path.resolve(values.out), family, options);
  console.log(`wrote ${family} model to ${path.resolve(values.out)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});

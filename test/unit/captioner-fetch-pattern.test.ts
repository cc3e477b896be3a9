// The merged decoder's fetch pattern on a session whose outputs onnxruntime-node binds. A session created
// with a preferredOutputLocation (transformers.js sets one for the cache on WebGPU) is IO-bound, on any
// provider: a run that fetches other outputs than the first fails with "Output count mismatch.". Here on
// the CPU, so it runs everywhere: a random-weight Florence-2 decoder, whose cached steps return the
// cross-attention cache they were fed, stepped with and without bound outputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { MergedDecoder } from '../../src/core/captioner/local/decode/merged-decoder.js';
import { writeModel } from '../support/models/tiny-models.js';
import { removeDir, tempDir } from './captioner-fixture.js';

const WIDTH = 16;
const ROWS = 3;
const IMAGE_TOKENS = 7;
/** The tokens each step feeds, one per row (the decoder runs free: any ids of the vocabulary do). */
const STEPS = [[0, 0, 0], [9, 14, 30], [41, 7, 7], [5, 60, 12], [3, 3, 3]];

let dir = '';
let decoderFile = '';
before(async () => {
  dir = await tempDir('recaption-fetch-pattern-');
  await writeModel(dir, 'florence2', {
    hiddenSize: WIDTH, layers: 2, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 11, vocabSize: 96,
    lengths: { ssc: 4, dsc: 6 }, dtypes: ['fp32'],
  });
  decoderFile = path.join(dir, 'onnx', 'decoder_model_merged.onnx');
});
after(async () => removeDir(dir));

/** A decoder session whose `run` records the output names each run returned. */
async function decoderSession(bound: boolean): Promise<{ session: InferenceSession; fetched: string[][] }> {
  // What transformers.js sets on WebGPU; on the CPU provider the outputs come back in CPU memory, still bound.
  const options: InferenceSession.SessionOptions = bound ? { preferredOutputLocation: { 'present.0.decoder.key': 'gpu-buffer' } } : {};
  const session = await InferenceSession.create(decoderFile, options);
  const fetched: string[][] = [];
  const run = session.run.bind(session) as (feeds: InferenceSession.FeedsType, fetches: string[]) => Promise<InferenceSession.ReturnType>;
  session.run = (async (feeds: InferenceSession.FeedsType, fetches: string[]) => {
    const out = await run(feeds, fetches);
    fetched.push(Object.keys(out));
    return out;
  }) as InferenceSession['run'];
  return { session, fetched };
}

/** A deterministic embedding per token id, like embed_tokens' table. */
async function embed(ids: readonly number[]): Promise<Tensor> {
  const data = new Float32Array(ids.length * WIDTH).map((_, i) => Math.sin((ids[Math.floor(i / WIDTH)]! + 1) * (1 + (i % WIDTH)) * 0.37));
  return new Tensor('float32', data, [ids.length, 1, WIDTH]);
}

function decoder(session: InferenceSession, outputsBound?: boolean): MergedDecoder {
  const hidden = new Float32Array(ROWS * IMAGE_TOKENS * WIDTH).map((_, i) => Math.cos(i * 0.211) * (1 + Math.floor(i / (IMAGE_TOKENS * WIDTH))));
  return new MergedDecoder({
    session,
    token: { kind: 'embeds', embed },
    encoderHiddenStates: new Tensor('float32', hidden, [ROWS, IMAGE_TOKENS, WIDTH]),
    encoderAttentionMask: new Tensor('int64', new BigInt64Array(ROWS * IMAGE_TOKENS).fill(1n), [ROWS, IMAGE_TOKENS]),
    outputsBound,
  });
}

/** Every step's logits; after step 2 the middle row leaves the batch. */
async function decode(d: MergedDecoder): Promise<number[][]> {
  const logits: number[][] = [];
  try {
    for (const [step, tokens] of STEPS.entries()) {
      const rows = step > 2 ? [tokens[0]!, tokens[2]!] : tokens;
      logits.push(Array.from((await d.step(rows)).logits));
      if (step === 2) assert.equal(d.keepRows([0, 2]), true, 'CPU tensors: the finished row leaves');
    }
  } finally {
    d.dispose();
  }
  return logits;
}

test('a bound decoder session refuses a step that fetches fewer outputs than the first ("Output count mismatch.")', async () => {
  const { session } = await decoderSession(true);
  try {
    // Not told, and its outputs come back in CPU memory: nothing shows the binding, so the CPU's fetch pattern is tried.
    const d = decoder(session);
    await d.step(STEPS[0]!);
    await assert.rejects(d.step(STEPS[1]!), /Output count mismatch/);
    d.dispose();
  } finally {
    await session.release();
  }
});

test('on a bound decoder session every step fetches all outputs, with the same logits as the unbound CPU loop, which fetches only what changes', async () => {
  const bound = await decoderSession(true);
  const plain = await decoderSession(false);
  try {
    const boundLogits = await decode(decoder(bound.session, true));
    const plainLogits = await decode(decoder(plain.session));
    assert.deepEqual(boundLogits, plainLogits);
    assert.notDeepEqual(plainLogits[1], plainLogits[2], 'the steps compute different logits');

    const all = [...bound.session.outputNames];
    assert.ok(all.some((n) => n.includes('.encoder.')), 'the decoder returns an encoder cache');
    assert.equal(bound.fetched.length, STEPS.length);
    for (const names of bound.fetched) assert.deepEqual(names, all);

    assert.deepEqual(plain.fetched[0], all, 'the first step computes the encoder cache');
    for (const names of plain.fetched.slice(1)) assert.deepEqual(names, all.filter((n) => !n.includes('.encoder.')));
  } finally {
    await bound.session.release();
    await plain.session.release();
  }
});

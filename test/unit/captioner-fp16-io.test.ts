// fp16 exports declare float16 inputs and outputs, and ONNX Runtime refuses a float32 feed to them. The
// captioner reads each graph's declared types and feeds them; the generator's fp16-I/O variant (float16 at
// the graph boundaries, float32 arithmetic inside, so it runs on the CPU) proves it through the product's
// path: captions equal fp32's in both families and both decode loops, in batches. Then the CLIP scorer on an
// fp16-I/O dual encoder, and `auto` on WebGPU: fp16 only where the adapter runs float16 shaders.
import { useSwiftShader } from '../support/swiftshader.js';
// Before any session exists in this process: Dawn reads the environment when the first one is created.
const swiftShader = useSwiftShader();

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import { chooseDtype, DtypeError, type Dtype } from '../../src/core/captioner/local/dtype.js';
import type { DecodeLoop } from '../../src/core/captioner/local/families/family.js';
import { fromHalf, halfBits, toHalf, type HalfData } from '../../src/core/captioner/local/float16.js';
import { keepFloat16AsBits } from '../../src/core/captioner/local/families/float16-bits.js';
import { loadPixels, readPreprocess } from '../../src/core/captioner/local/image-prep.js';
import { resolveModel } from '../../src/core/captioner/local/model-source.js';
import { probeShaderF16, type ShaderF16 } from '../../src/core/captioner/local/webgpu-features.js';
import { GraphBuilder } from '../../src/core/captioner/onnx/graph-builder.js';
import { DataType, encodeModel } from '../../src/core/captioner/onnx/onnx-proto.js';
import { SCRIPTED_CAPTIONS, writeModel, type TinyFamily } from '../support/models/tiny-models.js';
import { TINY_CLIP, writeTinyClip } from '../support/models/tiny-clip.js';
import { ClipScorer } from '../../src/core/scoring/clip-scorer.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { BLUE, COLOUR_WORD, GRAY, GREEN, RED, TINY_FLORENCE2, TINY_VIT_GPT2, removeDir, tempDir, writeImage, type Rgb } from './captioner-fixture.js';

const COLOURS: readonly Rgb[] = [RED, GREEN, BLUE, GRAY, GRAY, RED];
const FIXTURES = [
  ['Florence-2', TINY_FLORENCE2, ['vision_encoder', 'embed_tokens', 'encoder_model', 'decoder_model_merged']],
  ['vision-encoder-decoder', TINY_VIT_GPT2, ['encoder_model', 'decoder_model_merged']],
] as const;

let dir = '';
const random: Partial<Record<TinyFamily, string>> = {};
before(async () => {
  dir = await tempDir('recaption-fp16-');
  for (const [i, rgb] of COLOURS.entries()) await writeImage(path.join(dir, `${i}.png`), rgb);
  // Random weights: real float compute decides every word, and rows end at different steps.
  for (const family of ['florence2', 'vit-gpt2'] as const) {
    random[family] = path.join(dir, `random-${family}`);
    await writeModel(random[family], family, {
      hiddenSize: 16, layers: 2, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 3, vocabSize: 300,
      lengths: { ssc: [2, 5, 9, 3], dsc: [4, 11, 7, 14] }, dtypes: ['fp32', 'fp16'],
    });
  }
});
after(async () => removeDir(dir));

async function caption(model: string, dtype: Dtype, decodeLoop: DecodeLoop) {
  const backend = await createLocalBackend({ model, device: 'cpu', dtype, decodeLoop });
  try {
    const images: PreparedImage[] = [];
    for (const i of COLOURS.keys()) images.push(await backend.prepare(path.join(dir, `${i}.png`), `${i}.png`));
    return { describe: backend.describe(), results: await backend.caption(images, ['ssc', 'dsc']) };
  } finally {
    await backend.dispose();
  }
}

/** A one-node Cast model: ONNX Runtime's own float32 -> float16 rounding. */
async function ortToHalf(values: Float32Array): Promise<Uint16Array> {
  const g = new GraphBuilder('cast');
  g.output(g.op('Cast', [g.input('x', DataType.FLOAT, ['n'])], { to: DataType.FLOAT16 }), 'y', DataType.FLOAT16, ['n']);
  const session = await ort.InferenceSession.create(encodeModel(g.build(), 17, 'test'));
  try {
    return halfBits((await session.run({ x: new ort.Tensor('float32', values, [values.length]) })).y!.data as HalfData);
  } finally {
    await session.release();
  }
}

const isNaNHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

test('float16 conversion: every half round-trips, and float32 values round exactly as ONNX Runtime casts them', async () => {
  const halves = Uint16Array.from({ length: 65536 }, (_, h) => h);
  const back = toHalf(fromHalf(halves));
  for (let h = 0; h < 65536; h++) if (!isNaNHalf(h)) assert.equal(back[h], h, `half 0x${h.toString(16)}`);
  // Every kind of float32: random bit patterns (NaN, infinities, huge, subnormal), ties at each exponent.
  const next = seededRandom(7);
  const values = new Float32Array(1 << 18);
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(next() * 2 ** 32);
  for (let i = 0; i < 4096; i++) values[i] = (i - 2048) * 2 ** -26 + (i % 3) * 2 ** -37; // subnormal halves and their ties
  for (let e = -26; e < 17; e++) values.set([2 ** e * (1 + 2 ** -11), 2 ** e * (1 + 3 * 2 ** -11), 65504 + e, 65520 - e / 8], 4096 + 4 * (e + 26));
  const expected = await ortToHalf(values);
  const mine = toHalf(values);
  for (let i = 0; i < values.length; i++) {
    if (isNaNHalf(expected[i]!) && isNaNHalf(mine[i]!)) continue;
    assert.equal(mine[i], expected[i], `${values[i]} (bits 0x${bits[i]!.toString(16)})`);
  }
});

for (const [name, folder, sessions] of FIXTURES) {
  test(`${name} fixture: the fp16 files declare float16 exactly where the fp32 files declare float32`, async () => {
    for (const session of sessions) {
      const fp32 = await ort.InferenceSession.create(path.join(folder, 'onnx', `${session}.onnx`));
      const fp16 = await ort.InferenceSession.create(path.join(folder, 'onnx', `${session}_fp16.onnx`));
      try {
        const asHalf = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor && m.type === 'float32' ? { ...m, type: 'float16' } : m);
        assert.deepEqual(fp16.inputMetadata, fp32.inputMetadata.map(asHalf), `${session} inputs`);
        assert.deepEqual(fp16.outputMetadata, fp32.outputMetadata.map(asHalf), `${session} outputs`);
        assert.ok(fp16.inputMetadata.some((m) => m.isTensor && m.type === 'float16') || session === 'embed_tokens', `${session} takes float16`);
        assert.ok(fp16.outputMetadata.every((m) => m.isTensor && m.type === 'float16'), `${session} gives float16`);
      } finally {
        await fp32.release();
        await fp16.release();
      }
    }
  });

  for (const loop of ['own', 'generate'] as const) {
    test(`${name} fixture, fp16-I/O, ${loop === 'own' ? 'own loop' : 'generate()'}: a batch of six captions exactly as fp32`, async () => {
      const fp16 = await caption(folder, 'fp16', loop);
      const fp32 = await caption(folder, 'fp32', loop);
      assert.match(fp16.describe, / fp16 on cpu/);
      assert.deepEqual(fp16.results, fp32.results);
      assert.deepEqual(fp16.results.map((r) => r.ok && r.captions.ssc), COLOURS.map((c) => SCRIPTED_CAPTIONS.ssc(COLOUR_WORD.get(c)!)));
    });
  }
}

for (const family of ['florence2', 'vit-gpt2'] as const) {
  test(`random-weight ${family}, fp16-I/O: rows ending at different steps caption exactly as fp32, in both loops`, async () => {
    for (const loop of ['own', 'generate'] as const) {
      const fp16 = await caption(random[family]!, 'fp16', loop);
      const fp32 = await caption(random[family]!, 'fp32', loop);
      assert.ok(fp32.results.every((r) => r.ok && r.finish?.ssc === 'eos'), JSON.stringify(fp32.results));
      assert.deepEqual(fp16.results, fp32.results, loop);
    }
  });
}

test('float16 pixels from preprocessing are the float32 pixels rounded', async () => {
  const p = await readPreprocess(TINY_FLORENCE2);
  for (const i of [0, 1, 3]) {
    const file = path.join(dir, `${i}.png`);
    const halves = await loadPixels(file, p, undefined, 'float16');
    const floats = await loadPixels(file, p);
    assert.ok(halves.pixels instanceof Uint16Array);
    assert.deepEqual(halves.pixels, toHalf(floats.pixels));
    assert.equal(halves.sourceWidth, floats.sourceWidth);
  }
});

/** The fp32 fixture with some sessions' files replaced by their fp16-I/O versions (under the fp32 names). */
async function mixedModel(from: string, name: string, halfSessions: readonly string[]): Promise<string> {
  const folder = path.join(dir, name);
  await fs.cp(from, folder, { recursive: true });
  for (const session of halfSessions) await fs.copyFile(path.join(from, 'onnx', `${session}_fp16.onnx`), path.join(folder, 'onnx', `${session}.onnx`));
  return folder;
}

test('graphs of one model that declare different types are each fed their own', async () => {
  // Float16 image features merged into float32 prompt embeddings, through both loops.
  const halfVision = await mixedModel(TINY_FLORENCE2, 'half-vision', ['vision_encoder']);
  for (const loop of ['own', 'generate'] as const) assert.deepEqual((await caption(halfVision, 'fp32', loop)).results, (await caption(TINY_FLORENCE2, 'fp32', loop)).results, loop);
  // A float16 decoder after float32 encoders: hidden states, token embeddings and caches as it declares them.
  const halfDecoder = await mixedModel(TINY_FLORENCE2, 'half-decoder', ['decoder_model_merged']);
  assert.deepEqual((await caption(halfDecoder, 'fp32', 'own')).results, (await caption(TINY_FLORENCE2, 'fp32', 'own')).results);
  const halfVedEncoder = await mixedModel(TINY_VIT_GPT2, 'half-ved-encoder', ['encoder_model']);
  assert.deepEqual((await caption(halfVedEncoder, 'fp32', 'own')).results, (await caption(TINY_VIT_GPT2, 'fp32', 'own')).results);
});

test('CLIP scorer on an fp16-I/O dual encoder: scores within float16 rounding of fp32, in the same order', async () => {
  const model = path.join(dir, 'clip');
  await writeTinyClip(model, { ...TINY_CLIP, weights: 'random', seed: 5, dtypes: ['fp32', 'fp16'] });
  const texts = ['a red square', 'a blue square on white', 'a green cat', 'the image of a gray square', 'a square'];
  const scores: Partial<Record<Dtype, number[][]>> = {};
  for (const dtype of ['fp32', 'fp16'] as const) {
    const scorer = await ClipScorer.load({ model, device: 'cpu', dtype });
    try {
      assert.match(scorer.describe(), new RegExp(`\\(${dtype}\\) on cpu`));
      scores[dtype] = [];
      for (const i of [0, 1, 2, 3]) scores[dtype].push(await scorer.scoreTexts(await scorer.embedImage(path.join(dir, `${i}.png`)), texts));
    } finally {
      await scorer.dispose();
    }
  }
  scores.fp32!.forEach((row, i) => {
    const half = scores.fp16![i]!;
    row.forEach((s, j) => assert.ok(Math.abs(s - half[j]!) < 2e-3, `image ${i}, "${texts[j]}": fp32 ${s}, fp16 ${half[j]}`));
    const order = (r: number[]) => [...r.keys()].sort((a, b) => r[b]! - r[a]!);
    assert.deepEqual(order(half), order(row), `image ${i}`);
  });
});

test('dtype auto on WebGPU: fp16 where shader-f16 runs, else fp32 with the reason; fp16 by name is refused there', async () => {
  const files = new Set(['onnx/a.onnx', 'onnx/a_fp16.onnx', 'onnx/a_quantized.onnx']);
  const lacks = 'this WebGPU adapter lacks it';
  assert.deepEqual(chooseDtype('webgpu', 'auto', ['a'], files, 'm'), { dtype: 'fp16' });
  assert.deepEqual(chooseDtype('webgpu', 'auto', ['a'], files, 'm', lacks), { dtype: 'fp32', note: 'fp16 needs shader-f16: this WebGPU adapter lacks it; using fp32' });
  assert.deepEqual(chooseDtype('webgpu', 'q8', ['a'], files, 'm', lacks), { dtype: 'q8' });
  assert.throws(() => chooseDtype('webgpu', 'fp16', ['a'], files, 'm', lacks), (e: unknown) => e instanceof DtypeError && /^fp16 needs shader-f16: this WebGPU adapter lacks it; use fp32/.test(e.message));
  assert.throws(() => chooseDtype('webgpu', 'auto', ['a'], new Set(['onnx/a_fp16.onnx']), 'm', lacks), /m has only fp16 weights, which need shader-f16 on webgpu/);

  // resolveModel asks the adapter only where the answer matters: WebGPU, and float16 weights in the folder.
  const asked: string[] = [];
  const probe = (answer: ShaderF16) => async () => {
    asked.push(answer.supported ? 'yes' : 'no');
    return answer;
  };
  const supported = await resolveModel(TINY_FLORENCE2, 'webgpu', 'auto', { shaderF16: probe({ supported: true }) });
  assert.deepEqual(supported.dtype, { dtype: 'fp16' });
  const lacking = await resolveModel(TINY_VIT_GPT2, 'webgpu', 'auto', { shaderF16: probe({ supported: false, reason: `${lacks} (NVIDIA under Vulkan: disabled in Dawn)` }) });
  assert.deepEqual(lacking.dtype, { dtype: 'fp32', note: 'fp16 needs shader-f16: this WebGPU adapter lacks it (NVIDIA under Vulkan: disabled in Dawn); using fp32' });
  assert.deepEqual(asked, ['yes', 'no']);
  assert.deepEqual((await resolveModel(TINY_FLORENCE2, 'cpu', 'auto', { shaderF16: probe({ supported: true }) })).dtype, { dtype: 'q8' });
  assert.deepEqual((await resolveModel(TINY_FLORENCE2, 'webgpu', 'fp32', { shaderF16: probe({ supported: true }) })).dtype, { dtype: 'fp32' });
  const fp32Only = path.join(dir, 'fp32-only');
  await writeModel(fp32Only, 'vit-gpt2', { hiddenSize: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 4, weights: 'scripted', dtypes: ['fp32'] });
  assert.deepEqual((await resolveModel(fp32Only, 'webgpu', 'auto', { shaderF16: probe({ supported: true }) })).dtype, { dtype: 'fp32', note: 'fp16 weights not found for webgpu, using fp32' });
  assert.deepEqual(asked, ['yes', 'no'], 'not asked for the CPU, for fp32 by name, or for a folder without fp16');
});

test('WebGPU on SwiftShader: no shader-f16, so auto loads the fp16-shipping fixture as fp32 and says why', { skip: swiftShader.skip }, async (t) => {
  const started = performance.now();
  const answer = await probeShaderF16();
  const probeMs = performance.now() - started;
  assert.deepEqual(answer, { supported: false, reason: 'this WebGPU adapter lacks it' });
  // What the choice avoids: ONNX Runtime refuses the float16 graph on this adapter at its first run.
  const session = await ort.InferenceSession.create(path.join(TINY_VIT_GPT2, 'onnx', 'encoder_model_fp16.onnx'), { executionProviders: ['webgpu'], logSeverityLevel: 4 });
  keepFloat16AsBits(session);
  try {
    const pixels = new ort.Tensor('float16', new Uint16Array(3 * 16 * 16), [1, 3, 16, 16]);
    await assert.rejects(session.run({ pixel_values: pixels }), /requires f16 but the device does not support it/);
  } finally {
    await session.release();
  }
  // The backend as the product loads it (captions of fp32 on WebGPU are captioner-webgpu.test.ts's).
  const backend = await createLocalBackend({ model: TINY_FLORENCE2, device: 'webgpu' });
  try {
    assert.match(backend.describe(), /^florence2 fp32 \(fp16 needs shader-f16: this WebGPU adapter lacks it; using fp32\) on webgpu/);
  } finally {
    await backend.dispose();
  }
  await assert.rejects(createLocalBackend({ model: TINY_FLORENCE2, device: 'webgpu', dtype: 'fp16' }), /fp16 needs shader-f16: this WebGPU adapter lacks it/);
  t.diagnostic(`shader-f16 probe: ${probeMs.toFixed(0)} ms`);
});

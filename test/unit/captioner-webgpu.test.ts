// The own decode loop on WebGPU, through SwiftShader (a Vulkan driver on the CPU): the real WebGPU provider,
// its IO binding and kernels. transformers.js keeps the decoder's cache in GPU buffers there
// (preferredOutputLocation), and onnxruntime-node then binds the session's outputs once and for all: a run
// that fetches other outputs than the runs before it fails with "Output count mismatch.". These tests pin
// that every session's runs fetch one stable set of outputs, that no GPU buffer outlives its batch, and that
// the captions equal the CPU's, for both families, in batches of one and several rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { InferenceSession, type Tensor } from 'onnxruntime-node';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { createLocalBackend, type LocalCaptionBackend } from '../../src/core/captioner/local/local-backend.js';
import type { Device } from '../../src/core/captioner/local/device.js';
import { writeModel } from '../support/models/tiny-models.js';
import { BLUE, GRAY, GREEN, RED, TINY_FLORENCE2, TINY_VIT_GPT2, removeDir, tempDir, writeImage, type Rgb } from './captioner-fixture.js';
import { useSwiftShader } from '../support/swiftshader.js';

// Before any session exists in this process (importing creates none): Dawn reads the environment when the
// first WebGPU session is created.
const swiftShader = useSwiftShader();

const COLOURS: readonly Rgb[] = [GREEN, RED, BLUE, GRAY, GRAY, RED];
/** Batches as the pipeline sends them: one image, then all of them (rows of every colour). */
const BATCHES = [[0], [0, 1, 2, 3, 4, 5]] as const;

let dir = '';
let randomFlorence = '';
before(async () => {
  dir = await tempDir('recaption-webgpu-');
  for (const [i, rgb] of COLOURS.entries()) await writeImage(path.join(dir, `${i}.png`), rgb);
  // Random weights: the cross-attention cache decides every token, and rows end at different steps.
  randomFlorence = path.join(dir, 'random-florence2');
  await writeModel(randomFlorence, 'florence2', {
    hiddenSize: 16, layers: 2, heads: 2, imageSize: 32, patchSize: 8, weights: 'random', seed: 3, vocabSize: 300,
    lengths: { ssc: [2, 5, 9, 3], dsc: [4, 11, 7, 14] }, dtypes: ['fp32'],
  });
});
after(async () => removeDir(dir));

/** One InferenceSession.run as it came back: the session, the outputs it returned, where each was then. */
interface RunRecord {
  session: InferenceSession;
  outputs: Record<string, Tensor>;
  locations: Record<string, Tensor.DataLocation>;
}

type Run = (this: InferenceSession, ...args: unknown[]) => Promise<Record<string, Tensor>>;

/** Records every session run in this process (transformers.js's and the own loop's alike) while `fn` runs. */
async function recordingRuns<T>(fn: () => Promise<T>): Promise<{ result: T; runs: RunRecord[] }> {
  const prototype = (InferenceSession as unknown as { prototype: { run: Run } }).prototype;
  const original = prototype.run;
  const runs: RunRecord[] = [];
  prototype.run = async function (this: InferenceSession, ...args: unknown[]) {
    const outputs = await original.apply(this, args);
    const locations = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, t.location]));
    runs.push({ session: this, outputs, locations });
    return outputs;
  };
  try {
    return { result: await fn(), runs };
  } finally {
    prototype.run = original;
  }
}

async function captionBatches(model: string, device: Device): Promise<{ backend: string; batches: unknown[]; runs: RunRecord[] }> {
  const backend: LocalCaptionBackend = await createLocalBackend({ model, device, dtype: 'fp32', decodeLoop: 'own' });
  try {
    assert.equal(backend.device, device);
    assert.equal(backend.decodeLoop.loop, 'own');
    const images: PreparedImage[] = await Promise.all(COLOURS.map((_, i) => backend.prepare(path.join(dir, `${i}.png`), `${i}.png`)));
    const { result, runs } = await recordingRuns(async () => {
      const out: unknown[] = [];
      for (const rows of BATCHES) out.push(await backend.caption(rows.map((i) => images[i]!), backend.tasks));
      return out;
    });
    for (const batch of result as { ok: boolean; error?: string }[][]) for (const r of batch) assert.ok(r.ok, `${device}: ${r.error}`);
    return { backend: backend.describe(), batches: result, runs };
  } finally {
    await backend.dispose();
  }
}

function isDecoder(session: InferenceSession): boolean {
  return session.inputNames.includes('use_cache_branch');
}

/** Each session's runs, by session, in order. */
function bySession(runs: readonly RunRecord[]): Map<InferenceSession, RunRecord[]> {
  const sessions = new Map<InferenceSession, RunRecord[]>();
  for (const run of runs) sessions.set(run.session, [...(sessions.get(run.session) ?? []), run]);
  return sessions;
}

/**
 * Every session's runs returned the same output names; the decoder's are all its outputs, with its cache on
 * the GPU (so the session is IO-bound and this pins something); and every GPU tensor a run returned was
 * disposed by the end of its batch.
 */
function assertStableFetches(runs: readonly RunRecord[]): void {
  const sessions = bySession(runs);
  const decoders = [...sessions.keys()].filter(isDecoder);
  assert.equal(decoders.length, 1, 'one merged decoder session ran');
  for (const [session, records] of sessions) {
    const first = Object.keys(records[0]!.outputs);
    for (const [step, record] of records.entries()) assert.deepEqual(Object.keys(record.outputs), first, `run ${step} of the session with outputs ${session.outputNames.join(', ')}`);
  }
  const decoder = decoders[0]!;
  const steps = sessions.get(decoder)!;
  assert.ok(steps.length > BATCHES.length * 3, `the decoder ran ${steps.length} steps`);
  assert.deepEqual(Object.keys(steps[0]!.outputs), [...decoder.outputNames]);
  const cache = Object.entries(steps[0]!.locations).filter(([name]) => name.startsWith('present.'));
  assert.ok(cache.length > 0 && cache.every(([, where]) => where === 'gpu-buffer'), 'the decoder keeps its cache in GPU buffers (IO-bound)');
  const leaked = runs.flatMap((r) => Object.entries(r.outputs)).filter(([, t]) => t.location === 'gpu-buffer');
  assert.deepEqual(leaked.map(([name]) => name), [], 'GPU tensors still held after their batch');
}

for (const [name, folder] of [['Florence-2', TINY_FLORENCE2], ['vision-encoder-decoder', TINY_VIT_GPT2]] as const) {
  test(`${name} fixture on WebGPU (SwiftShader), own loop, fp32: the captions equal the CPU's in batches of 1 and 6`, { skip: swiftShader.skip }, async () => {
    const gpu = await captionBatches(folder, 'webgpu');
    const cpu = await captionBatches(folder, 'cpu');
    assert.match(gpu.backend, / fp32 on webgpu/);
    assert.deepEqual(gpu.batches, cpu.batches);
    assertStableFetches(gpu.runs);
  });
}

test('random-weight Florence-2 on WebGPU (SwiftShader): every decoder step fetches the same outputs, no GPU buffer leaks, and the captions equal the CPU\'s', { skip: swiftShader.skip }, async () => {
  const gpu = await captionBatches(randomFlorence, 'webgpu');
  const cpu = await captionBatches(randomFlorence, 'cpu');
  assert.deepEqual(gpu.batches, cpu.batches);
  const lengths = (gpu.batches.at(-1) as { captions: { ssc: string } }[]).map((r) => r.captions.ssc.split(' ').length);
  assert.ok(new Set(lengths).size >= 3, `rows end at different steps: ${lengths.join(', ')} words`);
  assertStableFetches(gpu.runs);
  // On the CPU (no IO binding) only the first step of each decode (a batch and task) fetches the unchanged
  // cross-attention cache.
  const cpuDecoder = [...bySession(cpu.runs)].find(([s]) => isDecoder(s))![1];
  const fetchingEncoderCache = cpuDecoder.filter((r) => Object.keys(r.outputs).some((n) => n.includes('.encoder.')));
  assert.equal(fetchingEncoderCache.length, BATCHES.length * 2, 'the CPU keeps its fetch-what-changes optimisation');
});

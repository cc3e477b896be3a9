// The device choice tells the truth: `auto` commits to a GPU only after its canary (one real batch on the
// GPU and on the CPU, the same weights) agrees; a GPU that fails mid-run costs smaller batches, then the
// CPU, never an image. A machine without a GPU cannot make one fail, so failures are injected
// (RECAPTION_ENGINE_FAULTS, src/core/engine/injected-faults.ts) around a real captioner: the CPU captioner
// posing as a GPU for the logic, and WebGPU on SwiftShader where Debian's chromium provides it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CaptionKind } from '../../src/shared/record.js';
import type { CaptionResult, PreparedImage } from '../../src/core/captioner/backend.js';
import { loadCheckedCaptioner, type RunCaptioner } from '../../src/core/captioner/local/checked-captioner.js';
import { runCanary } from '../../src/core/captioner/local/device-canary.js';
import { GpuFallbackCaptioner } from '../../src/core/captioner/local/gpu-fallback.js';
import { createLocalBackend, type LocalCaptionBackend } from '../../src/core/captioner/local/local-backend.js';
import { FAULTS_VARIABLE, injectedFaults } from '../../src/core/engine/injected-faults.js';
import { makeDataset, removeDir, tempDir, TINY_FLORENCE2, writeImage, RED } from './captioner-fixture.js';
import { useSwiftShader } from '../support/swiftshader.js';

const swiftShader = useSwiftShader();
const TASKS: CaptionKind[] = ['ssc', 'dsc'];

/** The CPU captioner under a GPU's name: what the fallback logic sees of a GPU, with real inference. */
function posingAsGpu(cpu: LocalCaptionBackend): RunCaptioner {
  return {
    device: 'webgpu',
    tasks: cpu.tasks,
    prepare: (file, name) => cpu.prepare(file, name),
    captionBatch: (images, tasks) => cpu.captionBatch(images, tasks),
    dispose: async () => undefined,
  };
}

function withFaults(captioner: RunCaptioner, plan: object): RunCaptioner {
  return injectedFaults({ [FAULTS_VARIABLE]: JSON.stringify(plan) })!.wrap(captioner);
}

let dir: string;
let cpu: LocalCaptionBackend;
let images: PreparedImage[];
let expected: CaptionResult[];

before(async () => {
  dir = await tempDir('recaption-fallback-');
  const names = await makeDataset(dir, 6);
  cpu = await createLocalBackend({ model: TINY_FLORENCE2, device: 'cpu', dtype: 'fp32' });
  images = await Promise.all(names.map((n) => cpu.prepare(path.join(dir, n), n)));
  expected = await cpu.captionBatch(images, TASKS);
});

after(async () => {
  await cpu.dispose();
  await removeDir(dir);
});

describe('a GPU failing mid-run', () => {
  it('a batch that fails is halved, and the GPU keeps the smaller bound', async () => {
    const notices: string[] = [];
    const run = new GpuFallbackCaptioner(withFaults(posingAsGpu(cpu), { failBatchesOver: 2 }), async () => cpu, { onNotice: (m) => notices.push(m) });
    assert.deepEqual(await run.caption(images, TASKS), expected);
    assert.equal(run.device, 'webgpu');
    assert.deepEqual(notices, [
      'webgpu failed on a batch of 6 (injected fault: out of memory for a batch of 6); going on with batches of 3',
      'webgpu failed on a batch of 3 (injected fault: out of memory for a batch of 3); going on with batches of 2',
    ]);
    notices.length = 0;
    assert.deepEqual(await run.caption(images, TASKS), expected, 'the next batches go in twos at once');
    assert.deepEqual(notices, []);
  });

  it('a device lost mid-run: the image it failed on and every one after are captioned on the CPU', async () => {
    const notices: { message: string; device: string }[] = [];
    let cpuLoads = 0;
    const run = new GpuFallbackCaptioner(withFaults(posingAsGpu(cpu), { deviceLostAfter: 2 }), async () => (cpuLoads++, cpu), { onNotice: (message, device) => notices.push({ message, device }) });
    const first = await run.caption(images.slice(0, 2), TASKS);
    const rest = await run.caption(images.slice(2), TASKS);
    assert.deepEqual([...first, ...rest], expected);
    assert.equal(run.device, 'cpu');
    assert.equal(cpuLoads, 1);
    assert.deepEqual(notices.slice(0, 2).map((n) => n.message), [
      'webgpu failed on a batch of 4 (injected fault: device lost); going on with batches of 2',
      'webgpu failed on a batch of 2 (injected fault: device lost); going on with batches of 1',
    ]);
    assert.equal(notices.length, 3);
    assert.equal(notices.at(-1)!.device, 'cpu');
    assert.match(notices.at(-1)!.message, /^webgpu failed on 02\.png alone \(injected fault: device lost\) and the CPU captioned it/);
  });

  it('images prepared for a GPU\'s fp16 weights are captioned by the CPU\'s fp32 fallback', async () => {
    const fp16 = await createLocalBackend({ model: TINY_FLORENCE2, device: 'cpu', dtype: 'fp16' });
    try {
      const halfImages = await Promise.all(images.map((image) => fp16.prepare(path.join(dir, image.fileName), image.fileName)));
      assert.ok((halfImages[0]!.payload as { pixels: unknown }).pixels instanceof Uint16Array, 'prepared as float16');
      const run = new GpuFallbackCaptioner(withFaults(posingAsGpu(fp16), { deviceLostAfter: 0 }), async () => cpu, { onNotice: () => undefined });
      assert.deepEqual(await run.caption(halfImages, TASKS), expected);
      assert.equal(run.device, 'cpu');
    } finally {
      await fp16.dispose();
    }
  });

  it('an image that fails on the CPU too is that image\'s error, and the GPU goes on', async () => {
    const broken: PreparedImage = { ...images[1]!, fileName: 'broken.png', payload: { pixels: new Float32Array(3) } };
    const run = new GpuFallbackCaptioner(posingAsGpu(cpu), async () => cpu, { onNotice: () => undefined });
    const results = await run.caption([images[0]!, broken, images[2]!], TASKS);
    assert.deepEqual(results[0], expected[0]);
    assert.deepEqual(results[2], expected[2]);
    assert.equal(results[1]!.ok, false);
    assert.match((results[1] as { error: string }).error, /broken\.png: not prepared by this backend/);
    assert.equal(run.device, 'webgpu');
  });
});

describe('the canary', () => {
  const file = () => path.join(dir, 'canary-source.png');

  it('passes when the GPU writes the CPU\'s captions, halving a batch that fails', async () => {
    await writeImage(file(), RED);
    assert.deepEqual(await runCanary(posingAsGpu(cpu), async () => cpu, 4), { ok: true, batch: 4 });
    const halved = await runCanary(withFaults(posingAsGpu(cpu), { failBatchesOver: 1 }), async () => cpu, 4);
    assert.equal(halved.ok, true);
    assert.equal(halved.ok && halved.batch, 1);
  });

  it('fails, naming why, when the GPU answers other captions or none', async () => {
    const mismatch = await runCanary(withFaults(posingAsGpu(cpu), { canary: 'mismatch' }), async () => cpu, 2);
    assert.equal(mismatch.ok, false);
    assert.match(!mismatch.ok ? mismatch.reason : '', /^its canary caption differs from the CPU's \("a red square \(perturbed\)" against "a red square"\)$/);
    const failed = await runCanary(withFaults(posingAsGpu(cpu), { canary: 'fail' }), async () => cpu, 1);
    assert.deepEqual(failed, { ok: false, reason: 'its canary batch failed (batch 1: injected fault: the device failed the canary)' });
  });
});

describe('auto on WebGPU (SwiftShader)', { skip: swiftShader.skip }, () => {
  it('commits to WebGPU after its canary agrees with the CPU', async () => {
    const loaded = await loadCheckedCaptioner({ model: TINY_FLORENCE2, device: 'auto', dtype: 'fp32', batchSize: 2 }, { onNotice: () => undefined });
    try {
      assert.equal(loaded.backend.device, 'webgpu');
      assert.deepEqual(loaded.canary, { ok: true, batch: 2 });
      assert.deepEqual(await loaded.run.caption(images.slice(0, 2), TASKS), expected.slice(0, 2));
    } finally {
      await loaded.run.dispose();
    }
  });

  it('falls back to the CPU with the reason in the device line when the canary disagrees', async () => {
    const loaded = await loadCheckedCaptioner(
      { model: TINY_FLORENCE2, device: 'auto', dtype: 'fp32', batchSize: 2, decorateGpu: (b) => withFaults(b, { canary: 'mismatch' }) },
      { onNotice: () => undefined },
    );
    try {
      assert.equal(loaded.backend.device, 'cpu');
      assert.match(loaded.backend.describe(), /on cpu \(not cuda: .*; not webgpu: its canary caption differs from the CPU's \("a red square \(perturbed\)" against "a red square"\)\)$/);
    } finally {
      await loaded.run.dispose();
    }
  });

  it('recaption caption: a device lost mid-run loses no image, and says where the run went on', async () => {
    const folder = await tempDir('recaption-fallback-cli-');
    try {
      await makeDataset(folder, 6);
      const cli = path.resolve(__dirname, '../../src/cli/main.ts');
      const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'caption', folder, '--model', TINY_FLORENCE2, '--dtype', 'fp32', '--batch-size', '2'], {
        encoding: 'utf8',
        env: { ...process.env, [FAULTS_VARIABLE]: JSON.stringify({ deviceLostAfter: 4 }) },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /model tiny-florence2: florence2 fp32 on webgpu/);
      assert.match(r.stderr, /webgpu failed on a batch of 2 \(injected fault: device lost\); going on with batches of 1/);
      assert.match(r.stderr, /and the CPU captioned it; the rest of the run goes on on the CPU/);
      assert.match(r.stderr, /captioned 6 of 6 images due .* 0 errors; .* on cpu/);
      const lines = (await fs.readFile(path.join(folder, 'recaption.jsonl'), 'utf8')).trim().split('\n');
      assert.equal(lines.filter((l) => /"ssc":\{"text":"a (red|green|blue|gray) square"/.test(l)).length, 6);
    } finally {
      await removeDir(folder);
    }
  });
});

// Real inference on the generated tiny models through the product's own backend code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import { chooseDevice, DeviceError, missingCudaLibraries, missingVulkanLoader, probeDevice } from '../../src/core/captioner/local/device.js';
import { DtypeError, chooseDtype } from '../../src/core/captioner/local/dtype.js';
import { SCRIPTED_CAPTIONS } from '../support/models/tiny-models.js';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { BLUE, COLOUR_WORD, GRAY, GREEN, RED, TINY_FLORENCE2, TINY_VIT_GPT2, removeDir, tempDir, tinyFlorence, writeImage, type Rgb } from './captioner-fixture.js';

async function prepareColours(backend: { prepare(file: string, name: string): Promise<PreparedImage> }, dir: string, colours: readonly Rgb[]): Promise<PreparedImage[]> {
  const images: PreparedImage[] = [];
  for (const [i, rgb] of colours.entries()) {
    const file = path.join(dir, `${i}.${i % 2 ? 'jpg' : 'png'}`);
    await writeImage(file, rgb, i % 2 ? 'jpeg' : 'png');
    images.push(await backend.prepare(file, path.basename(file)));
  }
  return images;
}

test('Florence-2: the captions depend on the image, and the DSC is longer than the SSC', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const colours = [RED, GREEN, BLUE, GRAY];
    const results = await backend.caption(await prepareColours(backend, dir, colours), ['ssc', 'dsc']);
    const sscs = new Set<string>();
    results.forEach((r, i) => {
      assert.ok(r.ok, JSON.stringify(r));
      const word = COLOUR_WORD.get(colours[i]!)!;
      assert.equal(r.captions.ssc, SCRIPTED_CAPTIONS.ssc(word));
      assert.equal(r.captions.dsc, SCRIPTED_CAPTIONS.dsc(word).replace(/ ([.,])/g, '$1'));
      assert.ok(r.captions.dsc!.length > 3 * r.captions.ssc!.length);
      sscs.add(r.captions.ssc!);
    });
    assert.equal(sscs.size, colours.length, 'four colours, four different captions');
    assert.equal(backend.device, 'cpu');
    assert.equal(backend.modelId, 'tiny-florence2');
  } finally {
    await removeDir(dir);
  }
});

test('Florence-2: a batch gives the same captions as one image at a time', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const images = await prepareColours(backend, dir, [GRAY, RED, RED, BLUE, GREEN, GRAY, BLUE]);
    const batched = await backend.caption(images, ['ssc', 'dsc']);
    const single = [];
    for (const image of images) single.push(...(await backend.caption([image], ['ssc', 'dsc'])));
    assert.deepEqual(batched, single);
    const sscOnly = await backend.caption(images, ['ssc']);
    assert.deepEqual(sscOnly.map((r) => r.ok && r.captions.dsc), images.map(() => undefined), 'only the tasks asked for');
  } finally {
    await removeDir(dir);
  }
});

test('Florence-2: <DETAILED_CAPTION> as the DSC task and dropping the stock closing sentence', async () => {
  const dir = await tempDir();
  const backend = await createLocalBackend({ model: TINY_FLORENCE2, device: 'cpu', taskPrompts: { dsc: '<DETAILED_CAPTION>' }, postprocess: { dropClosingSentence: true } });
  try {
    const [result] = await backend.caption(await prepareColours(backend, dir, [BLUE]), ['dsc']);
    assert.ok(result?.ok);
    const full = SCRIPTED_CAPTIONS.dsc('blue').replace(/ ([.,])/g, '$1');
    assert.match(full, /the overall mood of the image is calm\.$/);
    assert.equal(result.captions.dsc, full.replace(/ the overall mood of the image is calm\.$/, ''));
  } finally {
    await backend.dispose();
    await removeDir(dir);
  }
});

test('vision-encoder-decoder (vit-gpt2 layout): writes the SSC only, and it depends on the image', async () => {
  const dir = await tempDir();
  const backend = await createLocalBackend({ model: TINY_VIT_GPT2, device: 'cpu' });
  try {
    assert.deepEqual(backend.tasks, ['ssc']);
    const colours = [GREEN, BLUE, RED];
    const results = await backend.caption(await prepareColours(backend, dir, colours), ['ssc', 'dsc']);
    assert.deepEqual(results, colours.map((c) => ({ ok: true, captions: { ssc: SCRIPTED_CAPTIONS.ssc(COLOUR_WORD.get(c)!) }, finish: { ssc: 'eos' } })));
  } finally {
    await backend.dispose();
    await removeDir(dir);
  }
});

test('an unreadable image fails in prepare with a readable message', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const file = path.join(dir, 'broken.png');
    await (await import('node:fs')).promises.writeFile(file, 'this is not a png');
    await assert.rejects(backend.prepare(file, 'broken.png'), /unsupported image format|Input file/i);
  } finally {
    await removeDir(dir);
  }
});

test('device auto lands on a working device and says why the others were passed over', async () => {
  const choice = await chooseDevice('auto');
  const order = ['cuda', 'webgpu', 'cpu'];
  assert.deepEqual(choice.rejected.map((r) => r.device), order.slice(0, order.indexOf(choice.device)));
  for (const r of choice.rejected) assert.ok(r.reason.length > 10, `${r.device}: "${r.reason}"`);
  if (missingCudaLibraries()) {
    assert.match(choice.rejected[0]!.reason, /CUDA provider libraries are not installed/);
  }
  const backend = await createLocalBackend({ model: TINY_FLORENCE2 });
  try {
    assert.equal(backend.device, choice.device);
    if (choice.rejected.length) assert.match(backend.describe(), /\(not cuda: .+\)/);
  } finally {
    await backend.dispose();
  }
});

test('auto passes over a GPU on which the model itself does not load, and says so', async (t) => {
  if ((await probeDevice('webgpu')) === null) return t.skip('WebGPU works here');
  // The probe is told WebGPU works; loading the model there really fails on a machine without an adapter.
  const probe = async (device: string) => (device === 'cuda' ? 'no CUDA here' : null);
  const backend = await createLocalBackend({ model: TINY_FLORENCE2, probe });
  try {
    assert.equal(backend.device, 'cpu');
    assert.deepEqual(backend.deviceChoice.rejected.map((r) => r.device), ['cuda', 'webgpu']);
    assert.match(backend.deviceChoice.rejected[1]!.reason, /^the model did not load: /);
    await assert.rejects(createLocalBackend({ model: TINY_FLORENCE2, device: 'webgpu', probe }), /cannot load tiny-florence2 \(florence2, fp32\) on webgpu/);
  } finally {
    await backend.dispose();
  }
});

test('a Vulkan loader is looked for without loading it: LD_LIBRARY_PATH, the loader cache, the usual folders', async () => {
  const dir = await tempDir();
  try {
    const { promises: fs } = await import('node:fs');
    const cache = path.join(dir, 'ld.so.cache');
    await fs.writeFile(cache, 'glibc-ld.so.cache1.1\0libc.so.6\0/lib/x86_64-linux-gnu/libc.so.6\0');
    assert.match(missingVulkanLoader({ env: {}, cacheFile: cache, dirs: [] })!, /no Vulkan loader \(libvulkan\.so\.1\)/);
    await fs.appendFile(cache, 'libvulkan.so.1\0/usr/lib/x86_64-linux-gnu/libvulkan.so.1\0');
    assert.equal(missingVulkanLoader({ env: {}, cacheFile: cache, dirs: [] }), null);
    await fs.writeFile(path.join(dir, 'libvulkan.so.1'), '');
    assert.equal(missingVulkanLoader({ env: { LD_LIBRARY_PATH: `/nowhere:${dir}` }, cacheFile: path.join(dir, 'none'), dirs: [] }), null);
  } finally {
    await removeDir(dir);
  }
});

test('device auto without a Vulkan loader passes over WebGPU without loading it: no warning, the reason in the device line', { skip: (process.platform !== 'linux' || missingVulkanLoader() === null) && 'a Vulkan loader is present here' }, async () => {
  const { execFile } = await import('node:child_process');
  const script = `const { createLocalBackend } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'core', 'captioner', 'local', 'local-backend.ts'))}); createLocalBackend({ model: ${JSON.stringify(TINY_VIT_GPT2)} }).then((b) => { console.log(b.describe()); return b.dispose(); });`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }, (err, out, errOut) => (err ? reject(err) : resolve({ stdout: out, stderr: errOut }))),
  );
  assert.doesNotMatch(stderr, /Couldn't load Vulkan/);
  assert.match(stdout, /not webgpu: no Vulkan loader \(libvulkan\.so\.1\) on this system/);
});

test('an explicit device that is not available is an error that says what to install', { skip: missingCudaLibraries() === null && 'CUDA libraries are present here' }, async () => {
  await assert.rejects(chooseDevice('cuda'), (err: unknown) => {
    assert.ok(err instanceof DeviceError);
    assert.match(err.message, /device "cuda" is not available: the CUDA provider libraries are not installed/);
    assert.match(err.message, /CUDA 12 runtime and cuDNN 9/);
    assert.match(err.message, process.platform === 'linux' ? /run "Recaption: Install GPU Support" \(or `recaption gpu install`\)/ : /through WebGPU/);
    return true;
  });
  await assert.rejects(createLocalBackend({ model: TINY_FLORENCE2, device: 'cuda' }), DeviceError);
});

test('dtype: the device default, a fallback the folder has, and an explicit one it lacks', async () => {
  const files = new Set(['onnx/a.onnx', 'onnx/b.onnx', 'onnx/a_quantized.onnx', 'onnx/b_quantized.onnx', 'onnx/a_fp16.onnx']);
  assert.deepEqual(chooseDtype('cpu', 'auto', ['a', 'b'], files, 'm'), { dtype: 'q8' });
  assert.deepEqual(chooseDtype('cpu', 'auto', ['a', 'b'], new Set(['onnx/a.onnx', 'onnx/b.onnx']), 'm'), { dtype: 'fp32', note: 'q8 weights not found for cpu, using fp32' });
  assert.deepEqual(chooseDtype('cuda', 'auto', ['a', 'b'], files, 'm'), { dtype: 'fp32', note: 'fp16 weights not found for cuda, using fp32' });
  assert.deepEqual(chooseDtype('cpu', 'fp32', ['a', 'b'], files, 'm'), { dtype: 'fp32' });
  assert.throws(() => chooseDtype('cpu', 'fp16', ['a', 'b'], files, 'm'), (e: unknown) => e instanceof DtypeError && /missing onnx\/b_fp16\.onnx/.test(e.message));
  await assert.rejects(createLocalBackend({ model: TINY_FLORENCE2, device: 'cpu', dtype: 'q4f16' }), /has no q4f16 weights \(missing onnx\/vision_encoder_q4f16\.onnx/);
  // A folder with only some of a dtype's files: the error names the one that is missing.
  const dir = await tempDir();
  try {
    const { promises: fs } = await import('node:fs');
    await fs.cp(TINY_FLORENCE2, dir, { recursive: true });
    await fs.rm(path.join(dir, 'onnx', 'decoder_model_merged_q4.onnx'));
    await assert.rejects(createLocalBackend({ model: dir, device: 'cpu', dtype: 'q4' }), /has no q4 weights \(missing onnx\/decoder_model_merged_q4\.onnx\); it has fp32, fp16, q8$/);
  } finally {
    await removeDir(dir);
  }
});

test('a model folder that is not one, and a family we do not support, are clear errors', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(createLocalBackend({ model: dir, device: 'cpu' }), /is not a model folder: it has no config\.json/);
    await (await import('node:fs')).promises.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'blip' }));
    await assert.rejects(createLocalBackend({ model: dir, device: 'cpu' }), /model_type "blip" is not supported; supported families: florence2, vision-encoder-decoder/);
    await assert.rejects(createLocalBackend({ model: './no/such/folder', device: 'cpu' }), /no such model folder/);
  } finally {
    await removeDir(dir);
  }
});

test('after the tests: dispose the shared backend', async () => {
  await (await tinyFlorence()).dispose();
});

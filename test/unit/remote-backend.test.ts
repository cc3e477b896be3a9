// The remote captioner behind the CaptionBackend interface, against the local test server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  DEFAULT_DSC_PROMPT,
  DEFAULT_SSC_PROMPT,
  RemoteCaptionBackend,
  type RemoteBackendOptions,
} from '../../src/core/captioner/remote/index.js';
import { OpenAITestServer } from '../support/openai-test-server.js';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';

const KEY = 'sk-backend-test-5a5a5a5a5a5a';
const MODEL = 'Qwen/Qwen2.5-VL-7B-Instruct';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'recaption-remote-'));
}

async function writeImage(file: string, width: number, height: number, rgb: [number, number, number], format: 'png' | 'jpeg' = 'png'): Promise<void> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  await (format === 'png' ? img.png() : img.jpeg()).toFile(file);
}

async function setup(options: Partial<RemoteBackendOptions> = {}, serverLatency = 0) {
  const dir = await tempDir();
  const server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL, latencyMs: serverLatency });
  const backend = new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: MODEL, apiKey: KEY, backoff: { baseDelayMs: 5, maxDelayMs: 100 }, ...options });
  return {
    dir,
    server,
    backend,
    async done() {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

test('prepare downscales to the max side, keeps the displayed size, and sends a JPEG data URL', async () => {
  const t = await setup({ maxSide: 512 });
  try {
    const file = path.join(t.dir, 'wide.png');
    await writeImage(file, 2000, 1000, [220, 30, 30]);
    const prepared = await t.backend.prepare(file, 'wide.png');
    assert.equal(prepared.width, 2000);
    assert.equal(prepared.height, 1000);
    const [result] = await t.backend.caption([prepared], ['ssc', 'dsc']);
    assert.deepEqual(t.server.rejected, []);
    assert.equal(t.server.requests.length, 2);
    for (const req of t.server.requests) {
      assert.equal(req.image?.mime, 'image/jpeg');
      assert.equal(req.image?.width, 512);
      assert.equal(req.image?.height, 256);
      assert.equal(req.authorization, `Bearer ${KEY}`);
    }
    const ssc = t.server.requests.find((r) => r.texts[0] === DEFAULT_SSC_PROMPT);
    const dsc = t.server.requests.find((r) => r.texts[0] === DEFAULT_DSC_PROMPT);
    assert.ok(ssc && dsc, 'one request per task, each with its own prompt');
    assert.equal(ssc.maxTokens, 64);
    assert.equal(dsc.maxTokens, 512);
    assert.ok(result?.ok);
    assert.equal(result.captions.ssc, 'A red square.');
    assert.match(result.captions.dsc ?? '', /^A red square fills the 512x256 frame/);
    assert.equal(t.backend.device, 'remote');
    assert.match(t.backend.modelId, /Qwen\/Qwen2\.5-VL-7B-Instruct @ 127\.0\.0\.1:\d+\/v1/);
  } finally {
    await t.done();
  }
});

test('EXIF orientation is applied and small images are not enlarged', async () => {
  const t = await setup({ maxSide: 1024 });
  try {
    const file = path.join(t.dir, 'rotated.jpg');
    // 300x100 stored, orientation 6 (rotate 90°): displayed 100x300.
    await sharp({ create: { width: 300, height: 100, channels: 3, background: { r: 30, g: 60, b: 220 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const prepared = await t.backend.prepare(file, 'rotated.jpg');
    assert.equal(prepared.width, 100);
    assert.equal(prepared.height, 300);
    await t.backend.caption([prepared], ['ssc']);
    assert.equal(t.server.requests[0]?.image?.width, 100);
    assert.equal(t.server.requests[0]?.image?.height, 300);
  } finally {
    await t.done();
  }
});

test('prompts, max tokens and temperature are editable', async () => {
  const t = await setup({ prompts: { ssc: 'Name the subject in five words. (short caption)' }, maxTokens: { dsc: 300 }, temperature: 0 });
  try {
    const file = path.join(t.dir, 'g.png');
    await writeImage(file, 64, 64, [30, 180, 40]);
    const [r] = await t.backend.caption([await t.backend.prepare(file, 'g.png')], ['ssc', 'dsc']);
    assert.ok(r?.ok);
    const texts = t.server.requests.map((q) => q.texts[0]).sort();
    assert.deepEqual(texts, [DEFAULT_DSC_PROMPT, 'Name the subject in five words. (short caption)'].sort());
    assert.ok(t.server.requests.every((q) => q.temperature === 0));
    assert.deepEqual(t.server.requests.map((q) => q.maxTokens).sort(), [300, 64]);
  } finally {
    await t.done();
  }
});

test('an unreadable image fails in prepare with a readable message', async () => {
  const t = await setup();
  try {
    const file = path.join(t.dir, 'broken.png');
    await fs.writeFile(file, 'not an image');
    await assert.rejects(t.backend.prepare(file, 'broken.png'), /unsupported image format|Input file/i);
  } finally {
    await t.done();
  }
});

test('a failure on one image is that image\'s error, the caption that came back is kept, and the batch goes on', async () => {
  const t = await setup({ concurrency: 1 });
  try {
    const files = ['a.png', 'b.png', 'c.png'];
    const colours: Array<[number, number, number]> = [[220, 30, 30], [30, 180, 40], [30, 60, 220]];
    for (let i = 0; i < 3; i++) await writeImage(path.join(t.dir, files[i]!), 32, 32, colours[i]!);
    const prepared = await Promise.all(files.map((f) => t.backend.prepare(path.join(t.dir, f), f)));
    // Green images get refused on the DSC: the refusal is that image's error, the others are captioned.
    t.server.setRule((req) => (req.image && req.image.meanRgb[1] > 150 && /Describe/.test(req.texts[0]!) ? { kind: 'refusal' } : undefined));
    const results = await t.backend.caption(prepared, ['ssc', 'dsc']);
    assert.equal(results.length, 3);
    assert.ok(results[0]?.ok && results[2]?.ok);
    assert.equal(results[0].failures, undefined);
    const green = results[1]!;
    assert.ok(green.ok, 'the SSC came back, so the image is not a total failure');
    assert.match(green.captions.ssc ?? '', /\S/);
    assert.equal(green.captions.dsc, undefined);
    assert.match(green.failures?.dsc ?? '', /^DSC: the model refused/);

    // Through the pipeline: the SSC is written, the image's error names the DSC's failure, and a retry of
    // failed images asks only for the DSC.
    await scanDataset(t.dir);
    const first = await runCaptioning({ folder: t.dir, backend: t.backend });
    assert.equal(first.errors, 1);
    const store = await ManifestStore.open(t.dir);
    assert.match(store.get('b.png')!.ssc?.text ?? '', /\S/);
    assert.equal(store.get('b.png')!.dsc, null);
    assert.match(store.get('b.png')!.error ?? '', /^DSC: the model refused/);
    const before = t.server.requests.length;
    t.server.setRule(() => undefined);
    const retry = await runCaptioning({ folder: t.dir, backend: t.backend, redo: 'errors' });
    assert.equal(retry.errors, 0);
    assert.equal(t.server.requests.length - before, 1, 'only the missing DSC is asked for');
    assert.equal((await ManifestStore.open(t.dir)).get('b.png')!.error, null);
  } finally {
    await t.done();
  }
});

test('concurrency caps requests in flight across batches', async () => {
  const t = await setup({ concurrency: 3 }, 30);
  try {
    const prepared = [];
    for (let i = 0; i < 6; i++) {
      const f = `${i}.png`;
      await writeImage(path.join(t.dir, f), 16, 16, [i * 40, 100, 100]);
      prepared.push(await t.backend.prepare(path.join(t.dir, f), f));
    }
    // Two batches at once, as a pipeline that overlaps batches would send them.
    const [a, b] = await Promise.all([t.backend.caption(prepared.slice(0, 3), ['ssc', 'dsc']), t.backend.caption(prepared.slice(3), ['ssc', 'dsc'])]);
    assert.ok([...a, ...b].every((r) => r.ok));
    assert.equal(t.server.requests.length, 12);
    assert.equal(t.server.maxInFlight, 3);
  } finally {
    await t.done();
  }
});

test('cancel aborts every request in flight and rejects the batch with AbortError', async () => {
  const t = await setup({ concurrency: 4, timeoutMs: 60_000 });
  try {
    const prepared = [];
    for (let i = 0; i < 6; i++) {
      const f = `${i}.png`;
      await writeImage(path.join(t.dir, f), 16, 16, [200, 200, 200]);
      prepared.push(await t.backend.prepare(path.join(t.dir, f), f));
    }
    t.server.setRule(() => ({ kind: 'hang' }));
    const controller = new AbortController();
    const run = t.backend.caption(prepared, ['ssc', 'dsc'], controller.signal);
    while (t.server.inFlight < 4) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    controller.abort();
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(performance.now() - started < 500, 'cancel is prompt');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.server.inFlight, 0);
    assert.equal(t.server.clientAborts, 4);
    assert.equal(t.server.hits, 4, 'queued requests were never sent');
  } finally {
    await t.done();
  }
});

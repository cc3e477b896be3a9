// The remote backend through the product's captioning pipeline: per-image errors in the manifest, the
// API key kept out of every file the run writes, cancel, and a retry of the failed images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { emptyRecord } from '../../src/shared/record.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';
import { RemoteCaptionBackend } from '../../src/core/captioner/remote/index.js';
import { OpenAITestServer, colourName } from '../support/openai-test-server.js';

const KEY = 'sk-pipeline-3c3c3c3c3c3c3c3c';
const MODEL = 'vlm';
const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 180, 40],
  blue: [30, 60, 220],
  yellow: [230, 220, 40],
  black: [15, 15, 15],
};

async function dataset(perColour = 2): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-remote-pipeline-'));
  const store = await ManifestStore.open(dir);
  for (const [name, [r, g, b]] of Object.entries(COLOURS)) {
    for (let i = 0; i < perColour; i++) {
      const rel = `${name}/${i}.png`;
      await fs.mkdir(path.join(dir, name), { recursive: true });
      await sharp({ create: { width: 48, height: 32, channels: 3, background: { r, g, b } } }).png().toFile(path.join(dir, rel));
      store.put({ ...emptyRecord(rel), width: 48, height: 32 });
    }
  }
  await fs.writeFile(path.join(dir, 'broken.png'), 'not an image');
  store.put(emptyRecord('broken.png'));
  await store.save();
  return dir;
}

async function assertKeyNowhere(dir: string, secrets: string[]): Promise<void> {
  for (const entry of await fs.readdir(dir, { recursive: true })) {
    const file = path.join(dir, entry.toString());
    if (!(await fs.stat(file)).isFile()) continue;
    const content = await fs.readFile(file, 'latin1');
    for (const s of secrets) assert.ok(!content.includes(s), `${entry} holds a key`);
  }
}

test('a run that hits every failure mode records per-image errors, captions the rest, and writes no key', async () => {
  const server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
  const dir = await dataset();
  try {
    // green: refused; blue: 500 forever; yellow: malformed body; black: hung until the timeout; red: fine.
    server.setRule((req) => {
      const colour = req.image ? colourName(req.image.meanRgb) : '';
      if (colour === 'green') return { kind: 'refusal' };
      if (colour === 'blue') return { kind: 'status', status: 500 };
      if (colour === 'yellow') return { kind: 'malformed' };
      if (colour === 'black') return { kind: 'hang' };
      return undefined;
    });
    const backend = new RemoteCaptionBackend({
      baseUrl: server.baseUrl, model: MODEL, apiKey: KEY, concurrency: 8, timeoutMs: 1500, maxRetries: 1, backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    // The timeout leaves room for a loaded machine: a fine answer must never run into it.
    const summary = await runCaptioning({ folder: dir, backend });
    assert.equal(server.rejected.length, 0, 'every request passed validation');
    assert.equal(summary.due, 11);
    assert.equal(summary.captioned, 2);
    assert.equal(summary.errors, 9);
    const store = await ManifestStore.open(dir);
    const error = (n: string) => store.get(n)!.error ?? '';
    assert.equal(store.get('red/0.png')!.ssc!.text, 'A red square.');
    assert.equal(store.get('red/1.png')!.dsc!.by, 'model');
    assert.match(store.get('red/1.png')!.dsc!.model!, /^vlm @ 127\.0\.0\.1:\d+\/v1$/);
    assert.match(error('green/0.png'), /SSC: the model refused.*DSC: the model refused/);
    assert.match(error('blue/1.png'), /HTTP 500 .*gave up after 2 attempts/);
    assert.match(error('yellow/0.png'), /not JSON/);
    assert.match(error('black/1.png'), /no answer from .* within 1\.5 s \(gave up after 2 attempts\)/);
    assert.match(error('broken.png'), /unsupported image format|Input/);
    assert.equal(store.get('blue/0.png')!.ssc, null);
    // Blue: 2 images x 2 tasks x 2 attempts.
    assert.equal(server.requests.filter((r) => r.image && colourName(r.image.meanRgb) === 'blue').length, 8);
    assert.equal(server.requests.filter((r) => r.image && colourName(r.image.meanRgb) === 'green').length, 4, 'a refusal is not retried');

    // A wrong key that the server echoes back in its 401, on a retry of the failed images.
    const wrong = 'sk-wrong-key-echoed-by-server-99';
    server.setRule(null);
    const denied = await runCaptioning({ folder: dir, backend: new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: MODEL, apiKey: wrong }), redo: 'errors' });
    assert.equal(denied.errors, 9);
    assert.ok(server.rejected.some((r) => r.message.includes(wrong)));
    const afterDenied = await ManifestStore.open(dir);
    assert.match(afterDenied.get('blue/0.png')!.error!, /HTTP 401 .*\[redacted\]/);
    await assertKeyNowhere(dir, [KEY, wrong]);

    // With the right key, a retry of the failed images fills them in; the broken file stays an error.
    const retry = await runCaptioning({ folder: dir, backend: new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: MODEL, apiKey: KEY }), redo: 'errors' });
    assert.equal(retry.captioned, 8);
    assert.equal(retry.errors, 1);
    const final = await ManifestStore.open(dir);
    assert.equal(final.get('blue/0.png')!.ssc!.text, 'A blue square.');
    assert.equal(final.get('blue/0.png')!.error, null);
    await assertKeyNowhere(dir, [KEY, wrong]);
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('cancelling a pipeline run aborts the requests in flight and keeps what was done', async () => {
  const server = await OpenAITestServer.start({ model: MODEL });
  const dir = await dataset(4);
  try {
    // The first batch is answered; then every request hangs until the cancel.
    let answered = 0;
    server.setRule(() => (answered++ < 8 ? undefined : { kind: 'hang' }));
    const backend = new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: MODEL, concurrency: 2, timeoutMs: 60_000 });
    assert.equal(backend.defaultBatchSize, 4);
    const controller = new AbortController();
    const run = runCaptioning({ folder: dir, backend, signal: controller.signal });
    while (server.requests.length < 10) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    controller.abort();
    const summary = await run;
    assert.ok(performance.now() - started < 1000, 'cancel does not wait for the hung requests');
    assert.equal(summary.cancelled, true);
    assert.equal(summary.captioned, 4);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(server.inFlight, 0);
    assert.equal(server.clientAborts, 2);
    const store = await ManifestStore.open(dir);
    const captioned = [...store.records()].filter((r) => r.ssc && r.dsc);
    assert.equal(captioned.length, 4, 'the finished batch was saved');
    assert.ok([...store.records()].every((r) => r.error === null || r.file_name === 'broken.png'), 'cancelled images are not marked as failed');

    server.setRule(null);
    const resumed = await runCaptioning({ folder: dir, backend });
    assert.equal(resumed.due, 17, 'the resumed run asks only for what is left');
    assert.equal(resumed.captioned, 16);
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

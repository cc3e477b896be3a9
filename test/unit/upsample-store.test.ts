// Caption upsampling against the local test server: what is selected, what is written, what is protected,
// failures reported, cancel, and the API key kept out of the dataset folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyRecord, type Caption } from '../../src/shared/record.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { DEFAULT_UPSAMPLE_INSTRUCTION, upsampleStore } from '../../src/core/upsample/index.js';
import { OpenAITestServer } from '../support/openai-test-server.js';

const KEY = 'sk-upsample-0f0f0f0f0f0f0f0f';
const MODEL = 'llama-3.1-8b-instruct';
const machine = (text: string): Caption => ({ text, by: 'model', model: 'florence', at: '2026-01-01T00:00:00.000Z', review: null });

async function dataset(): Promise<{ dir: string; store: ManifestStore }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-upsample-'));
  const store = await ManifestStore.open(dir);
  const add = (name: string, fields: Partial<ReturnType<typeof emptyRecord>>) => store.put({ ...emptyRecord(name), ...fields });
  add('cat.jpg', { ssc: machine('A cat on a sofa.') });
  add('dog.jpg', { ssc: machine('A dog.'), alt: { text: 'my dog rex at the beach', source: 'sidecar' } });
  add('has-dsc.jpg', { ssc: machine('A tree.'), dsc: machine('A tall oak tree in a field.') });
  add('human-dsc.jpg', { ssc: machine('A car.'), alt: { text: 'car', source: 'exif' }, dsc: { text: 'A red car, written by hand.', by: 'human', review: null } });
  add('approved-dsc.jpg', { ssc: machine('A boat.'), dsc: { ...machine('A boat at sea.'), review: 'approved' } });
  add('no-ssc.jpg', { alt: { text: 'sunset over hills', source: 'metadata.jsonl' } });
  await store.save();
  return { dir, store };
}

test('upsamples SSCs into DSCs by "upsample", leaving existing and human DSCs alone', async () => {
  const server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
  const { dir, store } = await dataset();
  try {
    const report = await upsampleStore(store, { endpoint: { baseUrl: server.baseUrl, model: MODEL, apiKey: KEY }, concurrency: 2 });
    assert.deepEqual(server.rejected, []);
    assert.equal(report.selected, 6);
    assert.equal(report.upsampled, 2);
    assert.equal(report.alreadyDone, 1);
    assert.equal(report.protected, 2);
    assert.equal(report.noSource, 1);
    assert.deepEqual(report.failed, []);
    const saved = await ManifestStore.open(dir);
    const cat = saved.get('cat.jpg')!.dsc!;
    assert.equal(cat.by, 'upsample');
    assert.equal(cat.review, null);
    assert.match(cat.model!, /^llama-3\.1-8b-instruct @ 127\.0\.0\.1:\d+\/v1$/);
    assert.equal(cat.text, 'A detailed rendering of A cat on a sofa, shown in full with its surroundings, colours and lighting described.');
    assert.equal(saved.get('human-dsc.jpg')!.dsc!.text, 'A red car, written by hand.');
    assert.equal(saved.get('approved-dsc.jpg')!.dsc!.text, 'A boat at sea.');
    assert.equal(saved.get('has-dsc.jpg')!.dsc!.text, 'A tall oak tree in a field.');
    assert.equal(saved.get('cat.jpg')!.ssc!.text, 'A cat on a sofa.', 'the source is untouched');
    // The request: instruction plus the short caption, text only, with the key.
    const req = server.requests.find((r) => r.texts[0]!.endsWith('Short caption: A cat on a sofa.'))!;
    assert.ok(req.texts[0]!.startsWith(DEFAULT_UPSAMPLE_INSTRUCTION));
    assert.equal(req.image, null);
    assert.equal(req.authorization, `Bearer ${KEY}`);
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('from alt, redo machine, and a selection by file name', async () => {
  const server = await OpenAITestServer.start({ model: MODEL });
  const { dir, store } = await dataset();
  try {
    const report = await upsampleStore(store, {
      endpoint: { baseUrl: server.baseUrl, model: MODEL },
      from: 'alt',
      redo: 'machine',
      fileNames: ['no-ssc.jpg', 'dog.jpg', 'cat.jpg', 'human-dsc.jpg', 'ghost.jpg'],
      instruction: 'Expand this caption.',
      temperature: 0.9,
      maxTokens: 200,
    });
    assert.equal(report.selected, 4);
    assert.deepEqual(report.unknown, ['ghost.jpg']);
    assert.equal(report.noSource, 1, 'cat.jpg has no alt-text');
    assert.equal(report.protected, 1);
    assert.equal(report.upsampled, 2);
    assert.equal(store.get('dog.jpg')!.dsc!.text, 'A detailed rendering of my dog rex at the beach, shown in full with its surroundings, colours and lighting described.');
    assert.ok(server.requests.every((r) => r.texts[0]!.startsWith('Expand this caption.\n\nShort caption: ') && r.temperature === 0.9 && r.maxTokens === 200));

    // redo machine replaces an earlier upsample, and a model DSC, but never a human one
    const again = await upsampleStore(store, { endpoint: { baseUrl: server.baseUrl, model: MODEL }, redo: 'machine' });
    assert.equal(again.upsampled, 3, 'cat (none), dog (an upsample), has-dsc (a model DSC)');
    assert.equal(again.protected, 2);
    assert.equal(again.noSource, 1);
    assert.equal(store.get('has-dsc.jpg')!.dsc!.by, 'upsample');
    assert.equal(store.get('human-dsc.jpg')!.dsc!.by, 'human');
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('failures are reported per image; the key never reaches the dataset folder', async () => {
  const server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
  const { dir, store } = await dataset();
  try {
    // Wrong key (the server echoes it), then a refusal, a malformed body and a 500 that does not let up.
    const wrongKey = 'sk-wrong-key-abcdef0123456789';
    const bad = await upsampleStore(store, { endpoint: { baseUrl: server.baseUrl, model: MODEL, apiKey: wrongKey }, concurrency: 1 });
    assert.equal(bad.failed.length, 2);
    assert.ok(bad.failed.every((f) => /HTTP 401/.test(f.error) && !f.error.includes(wrongKey)));
    server.enqueue({ kind: 'refusal' }, { kind: 'malformed' });
    const mixed = await upsampleStore(store, {
      endpoint: { baseUrl: server.baseUrl, model: MODEL, apiKey: KEY, maxRetries: 1, backoff: { baseDelayMs: 5, maxDelayMs: 20 } },
      concurrency: 1,
    });
    assert.deepEqual(mixed.failed.map((f) => f.fileName), ['cat.jpg', 'dog.jpg']);
    assert.match(mixed.failed[0]!.error, /refused/);
    assert.match(mixed.failed[1]!.error, /not JSON/);
    server.setRule(() => ({ kind: 'status', status: 500 }));
    store.put({ ...emptyRecord('later.jpg'), ssc: machine('A bird.') });
    const failing = await upsampleStore(store, {
      endpoint: { baseUrl: server.baseUrl, model: MODEL, apiKey: KEY, maxRetries: 2, backoff: { baseDelayMs: 5, maxDelayMs: 20 } },
    });
    assert.equal(failing.failed.length, 3);
    assert.ok(failing.failed.every((f) => /gave up after 3 attempts/.test(f.error)));
    for (const entry of await fs.readdir(dir, { recursive: true })) {
      const content = await fs.readFile(path.join(dir, entry.toString()), 'utf8');
      assert.ok(!content.includes(KEY) && !content.includes(wrongKey), `${entry} holds the key`);
    }
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('cancel aborts requests in flight and keeps what was done', async () => {
  const server = await OpenAITestServer.start({ model: MODEL });
  const { dir, store } = await dataset();
  try {
    // The first answer comes back; every later request hangs until the cancel.
    server.setRule((_req, i) => (i === 0 ? undefined : { kind: 'hang' }));
    const controller = new AbortController();
    const run = upsampleStore(store, { endpoint: { baseUrl: server.baseUrl, model: MODEL, timeoutMs: 60_000 }, concurrency: 1, signal: controller.signal });
    while (server.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const report = await run;
    assert.equal(report.cancelled, true);
    assert.equal(report.upsampled, 1);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(server.clientAborts, 1);
    const saved = await ManifestStore.open(dir);
    assert.equal(saved.get('cat.jpg')!.dsc!.by, 'upsample', 'the finished one was saved');
    assert.equal(saved.get('dog.jpg')!.dsc, null);
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

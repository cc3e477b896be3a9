// Hub downloads against a local server speaking the Hugging Face URL layout (the real hub is not
// reachable from the test machines): download once with progress, use the cache after, resume a cut
// download with a Range request, and fail offline with a message that says how to use a folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { resolveModel } from '../../src/core/captioner/local/model-source.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import { HubError, type DownloadProgress } from '../../src/core/captioner/local/hub-download.js';
import { TINY_FLORENCE2, removeDir, tempDir } from './captioner-fixture.js';

const ID = 'acme/tiny-florence2';

interface FakeHub {
  endpoint: string;
  requests: { url: string; range?: string }[];
  /** Files whose next download is cut after this many bytes. */
  cut: Map<string, number>;
  close(): Promise<void>;
}

async function listFixture(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFixture(root, child)));
    else out.push(child);
  }
  return out;
}

async function startHub(): Promise<FakeHub> {
  const files = await listFixture(TINY_FLORENCE2);
  const requests: FakeHub['requests'] = [];
  const cut = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push({ url, range: req.headers.range });
    if (url === `/api/models/${ID}/revision/main`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: ID, siblings: files.map((rfilename) => ({ rfilename })) }));
      return;
    }
    const prefix = `/${ID}/resolve/main/`;
    const file = url.startsWith(prefix) ? url.slice(prefix.length) : null;
    if (!file || !files.includes(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    void fs.readFile(path.join(TINY_FLORENCE2, file)).then((data) => {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const body = data.subarray(start);
      res.writeHead(m ? 206 : 200, { 'content-length': String(body.length), ...(m ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}) });
      const cutAt = cut.get(file);
      if (cutAt !== undefined) {
        cut.delete(file);
        res.write(body.subarray(0, cutAt), () => setTimeout(() => res.destroy(), 50));
        return;
      }
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    cut,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('a hub id is downloaded once into the cache, with progress, then used offline', async () => {
  const hub = await startHub();
  const cacheDir = await tempDir();
  try {
    // fp32 files here (the CPU's default is q8, whose download the offline test below covers).
    const progress: DownloadProgress[] = [];
    const resolved = await resolveModel(ID, 'cpu', 'fp32', { endpoint: hub.endpoint, cacheDir, onProgress: (p) => progress.push(p) });
    assert.equal(resolved.source, 'download');
    assert.equal(resolved.folder, path.join(cacheDir, 'acme', 'tiny-florence2'));
    for (const file of ['config.json', 'tokenizer.json', 'onnx/decoder_model_merged.onnx', 'onnx/vision_encoder.onnx']) {
      assert.ok((await fs.readFile(path.join(resolved.folder, file))).equals(await fs.readFile(path.join(TINY_FLORENCE2, file))), file);
    }
    assert.ok(progress.some((p) => p.file === 'onnx/decoder_model_merged.onnx' && p.bytes === p.total));
    assert.equal(progress.at(-1)?.filesDone, progress.at(-1)?.filesTotal);

    const before = hub.requests.length;
    const backend = await createLocalBackend({ model: ID, device: 'cpu', dtype: 'fp32', source: { endpoint: hub.endpoint, cacheDir } });
    try {
      assert.equal(hub.requests.length, before, 'the cached copy needs no network');
      assert.equal(backend.modelId, ID);
      assert.equal(backend.resolved.source, 'cache');
    } finally {
      await backend.dispose();
    }
  } finally {
    await hub.close();
    await removeDir(cacheDir);
  }
});

test('a partial download left by an interrupted run is resumed with a Range request', async () => {
  const hub = await startHub();
  const cacheDir = await tempDir();
  try {
    const file = 'onnx/decoder_model_merged.onnx';
    const original = await fs.readFile(path.join(TINY_FLORENCE2, file));
    const part = path.join(cacheDir, 'acme', 'tiny-florence2', 'onnx', 'decoder_model_merged.onnx.part');
    await fs.mkdir(path.dirname(part), { recursive: true });
    await fs.writeFile(part, original.subarray(0, 5000));

    const resolved = await resolveModel(ID, 'cpu', 'fp32', { endpoint: hub.endpoint, cacheDir });
    assert.deepEqual(hub.requests.filter((r) => r.url.endsWith(file)).map((r) => r.range), ['bytes=5000-']);
    assert.ok((await fs.readFile(path.join(resolved.folder, file))).equals(original));
    await assert.rejects(fs.stat(part), /ENOENT/);
  } finally {
    await hub.close();
    await removeDir(cacheDir);
  }
});

test('a download cut off half way fails, and the next run completes it', async () => {
  const hub = await startHub();
  const cacheDir = await tempDir();
  try {
    const file = 'onnx/decoder_model_merged.onnx';
    hub.cut.set(file, 5000);
    await assert.rejects(resolveModel(ID, 'cpu', 'fp32', { endpoint: hub.endpoint, cacheDir }));
    await assert.rejects(fs.stat(path.join(cacheDir, 'acme', 'tiny-florence2', file)), /ENOENT/, 'no truncated file in place');
    const kept = (await fs.stat(path.join(cacheDir, 'acme', 'tiny-florence2', `${file}.part`)).catch(() => null))?.size ?? 0;

    const resolved = await resolveModel(ID, 'cpu', 'fp32', { endpoint: hub.endpoint, cacheDir });
    const second = hub.requests.filter((r) => r.url.endsWith(file))[1];
    assert.equal(second?.range, kept ? `bytes=${kept}-` : undefined);
    assert.ok((await fs.readFile(path.join(resolved.folder, file))).equals(await fs.readFile(path.join(TINY_FLORENCE2, file))));
  } finally {
    await hub.close();
    await removeDir(cacheDir);
  }
});

test('offline, a hub id fails with a message that says how to point at a folder', async () => {
  const hub = await startHub();
  const endpoint = hub.endpoint;
  await hub.close(); // nothing listens there now
  const cacheDir = await tempDir();
  try {
    await assert.rejects(resolveModel('onnx-community/Florence-2-base-ft', 'cpu', 'auto', { endpoint, cacheDir }), (err: unknown) => {
      assert.ok(err instanceof HubError);
      assert.match(err.message, /cannot download onnx-community\/Florence-2-base-ft from http:\/\/127\.0\.0\.1/);
      assert.match(err.message, /offline/);
      assert.match(err.message, /--model <folder>/);
      return true;
    });
  } finally {
    await removeDir(cacheDir);
  }
});

test('an unknown hub id is a clear 404', async () => {
  const hub = await startHub();
  const cacheDir = await tempDir();
  try {
    await assert.rejects(resolveModel('acme/nope', 'cpu', 'auto', { endpoint: hub.endpoint, cacheDir }), /not found \(404\)\. Check the model id "acme\/nope"/);
  } finally {
    await hub.close();
    await removeDir(cacheDir);
  }
});

// The engine process: the captioner and the scorer run in a child process behind a checked protocol. These
// tests start the real engine (its TypeScript entry through tsx), caption the tiny models through the
// product's own pipeline, and kill, stop and cancel it for real.
import { strict as assert } from 'node:assert';
import { fork, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BackendStoppedError } from '../../src/core/captioner/backend.js';
import { runCaptionJob } from '../../src/core/captioner/caption-job.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { EngineCaptionBackend, CANCEL_GRACE_MS } from '../../src/core/engine/engine-captioner.js';
import { EngineScorer } from '../../src/core/engine/engine-scorer.js';
import { checkReply, checkRequest, checkResult, ProtocolError } from '../../src/core/engine/protocol.js';
import { ClipScorer } from '../../src/core/scoring/clip-scorer.js';
import { makeDataset, removeDir, tempDir, tinyFlorence, TINY_FLORENCE2, withoutTimes, writeImage, RED } from './captioner-fixture.js';

const TINY_CLIP = path.resolve(__dirname, '../fixtures/models/tiny-clip');
const load = { model: TINY_FLORENCE2, device: 'cpu', dtype: 'fp32' } as const;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await removeDir(d);
});

async function dataset(count: number): Promise<string> {
  const dir = await tempDir('recaption-engine-');
  dirs.push(dir);
  await makeDataset(dir, count);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 5000): Promise<boolean> {
  const until = performance.now() + withinMs;
  while (performance.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('engine protocol', () => {
  it('refuses malformed requests with the reason', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ type: 'caption', id: 1, images: [1], tasks: ['xyz'] }, /not ssc or dsc/],
      [{ type: 'caption', id: 1, images: [-1], tasks: ['ssc'] }, /non-negative integer/],
      [{ type: 'caption', id: 1, images: new Array(5000).fill(1), tasks: ['ssc'] }, /more than 4096/],
      [{ type: 'caption', id: 1.5, images: [1], tasks: ['ssc'] }, /id is not an integer/],
      [{ type: 'launchMissiles', id: 1 }, /type is not one of/],
      [{ type: 'loadCaptioner', id: 1, options: { model: 'm', device: 'tpu', dtype: 'auto' } }, /device is not one of/],
      [{ type: 'loadCaptioner', id: 1, options: { model: 'm', device: 'cpu', dtype: 'auto', taskPrompts: { alt: 'x' } } }, /not ssc or dsc/],
      [{ type: 'prepare', id: 2, filePath: 'x'.repeat(9000), fileName: 'a' }, /longer than/],
      [{ type: 'scoreTexts', id: 3, image: [1, NaN], texts: [] }, /finite number/],
    ];
    for (const [message, reason] of bad) assert.throws(() => checkRequest(message), (err: Error) => err instanceof ProtocolError && reason.test(err.message), JSON.stringify(message)?.slice(0, 80));
    assert.deepEqual(checkRequest({ type: 'caption', id: 4, images: [1, 2], tasks: ['ssc', 'dsc'], extra: 'ignored' }), { type: 'caption', id: 4, images: [1, 2], tasks: ['ssc', 'dsc'] });
  });

  it('refuses malformed replies and results', () => {
    assert.throws(() => checkReply({ type: 'result', id: 1 }), /no value/);
    assert.throws(() => checkReply({ type: 'error', id: 1, name: 'E' }), /message is not a string/);
    assert.throws(() => checkResult('caption', [{ ok: true, captions: { ssc: 3 } }]), /not a string/);
    assert.throws(() => checkResult('caption', [{ ok: true, captions: {}, finish: { ssc: 'tired' } }]), /eos or length/);
    assert.throws(() => checkResult('loadCaptioner', { modelId: 'm', device: 'cpu', description: '', tasks: [], defaultBatchSize: 4 }), /tasks is empty/);
    assert.deepEqual(checkResult('caption', [{ ok: false, error: 'bad' }]), [{ ok: false, error: 'bad' }]);
  });

  it('the engine answers a malformed request with an error and keeps serving', async () => {
    const tsx = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
    const child = fork(path.resolve(__dirname, '../../src/core/engine/engine-main.ts'), [], { execArgv: ['--import', tsx], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const replies: unknown[] = [];
    child.on('message', (m) => replies.push(m));
    const waitFor = async (n: number) => {
      while (replies.length < n) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(1);
    assert.equal((replies[0] as { type: string }).type, 'ready');
    child.send({ type: 'caption', id: 7, images: 'all of them', tasks: ['ssc'] });
    child.send({ type: 'memory', id: 8 });
    await waitFor(3);
    const error = replies.find((r) => (r as { id?: number }).id === 7) as { type: string; name: string; message: string };
    assert.equal(error.type, 'error');
    assert.equal(error.name, 'ProtocolError');
    assert.match(error.message, /images is not a list/);
    const memory = replies.find((r) => (r as { id?: number }).id === 8) as { type: string; value: { rssBytes: number } };
    assert.equal(memory.type, 'result');
    assert.ok(memory.value.rssBytes > 0);
    child.disconnect();
    assert.ok(await gone(child.pid!), 'the engine exits when its parent closes the channel');
  });
});

describe('captioning in the engine process', () => {
  it('writes the same captions as the in-process captioner, and the engine exits after the run', async () => {
    const inProcess = await dataset(6);
    const inEngine = await dataset(6);
    await runCaptioning({ folder: inProcess, backend: await tinyFlorence(), batchSize: 4 });
    const backend = await EngineCaptionBackend.open({ load });
    const pid = backend.pid!;
    assert.ok(pid !== process.pid && alive(pid));
    assert.equal(os.getPriority(pid), Math.min(19, os.getPriority() + 10), 'the engine yields the CPU to its caller');
    assert.match(backend.description, /^florence2 fp32 on cpu/);
    const summary = await runCaptioning({ folder: inEngine, backend, batchSize: 4 });
    await backend.dispose();
    assert.equal(summary.captioned, 6);
    assert.ok(await gone(pid), 'the engine process is gone after dispose');
    const read = (dir: string) => fs.readFile(path.join(dir, 'recaption.jsonl'), 'utf8').then(withoutTimes);
    assert.equal(await read(inEngine), await read(inProcess));
  });

  it('an unreadable image is that image\'s error and the run goes on', async () => {
    const dir = await dataset(3);
    await fs.writeFile(path.join(dir, '01.png'), 'not a png');
    const backend = await EngineCaptionBackend.open({ load });
    try {
      const summary = await runCaptioning({ folder: dir, backend, batchSize: 2 });
      assert.equal(summary.captioned, 2);
      assert.equal(summary.errors, 1);
    } finally {
      await backend.dispose();
    }
    const store = await ManifestStore.open(dir);
    assert.match(store.get('01.png')!.error ?? '', /unsupported image format|Input buffer/i);
    store.close();
  });

  it('an engine killed mid-run ends the job with the batch named; captions before it stay and the next run completes', async () => {
    const dir = await dataset(12);
    const store = await ManifestStore.open(dir);
    let pid = 0;
    let killed = false;
    await assert.rejects(
      runCaptionJob({
        folder: dir,
        store,
        scan: false,
        batchSize: 2,
        checkpointMs: 0,
        openBackend: async () => {
          const backend = await EngineCaptionBackend.open({ load });
          pid = backend.pid!;
          return backend;
        },
        onProgress: (p) => {
          if (p.done >= 4 && !killed) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        },
      }),
      (err: Error) => err instanceof BackendStoppedError && /engine process stopped \(killed by SIGKILL\)/.test(err.message) && /\d\d\.png/.test(err.message) && /run it again to resume/.test(err.message),
    );
    store.close();
    const saved = await ManifestStore.open(dir);
    const captioned = [...saved.records()].filter((r) => r.ssc && r.dsc);
    assert.ok(captioned.length >= 4 && captioned.length < 12, `${captioned.length} captioned before the kill`);
    assert.ok([...saved.records()].every((r) => r.error === null), 'no image is blamed for the crash');
    const before = new Map(captioned.map((r) => [r.file_name, r.ssc!.at]));
    const backend = await EngineCaptionBackend.open({ load });
    const summary = await runCaptioning({ folder: dir, store: saved, backend, batchSize: 2 });
    await backend.dispose();
    assert.equal(summary.due, 12 - captioned.length);
    assert.equal(summary.captioned, 12 - captioned.length);
    for (const [name, at] of before) assert.equal(saved.get(name)!.ssc!.at, at, `${name} kept its caption`);
    saved.close();
    assert.ok(await gone(pid));
  });

  it('cancel keeps the batch in flight when the engine answers in time', async () => {
    const dir = await dataset(8);
    const controller = new AbortController();
    const backend = await EngineCaptionBackend.open({ load });
    const summary = await runCaptioning({
      folder: dir,
      backend,
      batchSize: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 2) controller.abort();
      },
    });
    await backend.dispose();
    assert.ok(summary.cancelled);
    assert.ok(summary.captioned >= 2 && summary.captioned < 8);
  });

  it('cancel ends the run within 2 s even when the engine does not answer (it is killed)', async () => {
    const dir = await dataset(8);
    const controller = new AbortController();
    const backend = await EngineCaptionBackend.open({ load });
    const pid = backend.pid!;
    let cancelledAt = 0;
    const run = runCaptioning({
      folder: dir,
      backend,
      batchSize: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2 && !cancelledAt) {
          // A stopped process cannot answer: the same for the caller as a batch stuck in a long kernel.
          process.kill(pid, 'SIGSTOP');
          setTimeout(() => {
            cancelledAt = performance.now();
            controller.abort();
          }, 50);
        }
      },
    });
    const summary = await run;
    const took = performance.now() - cancelledAt;
    assert.ok(summary.cancelled);
    assert.ok(took < 2000, `the run ended ${took.toFixed(0)} ms after cancel`);
    assert.ok(took >= CANCEL_GRACE_MS - 50, 'the engine had its grace to answer');
    await backend.dispose();
    assert.ok(await gone(pid), 'the stopped engine was killed');
    const store = await ManifestStore.open(dir);
    assert.equal([...store.records()].filter((r) => r.ssc).length, 2, 'the first batch is saved');
    store.close();
  });

  it('Ctrl-C in a terminal (SIGINT to the whole process group) cancels recaption caption cleanly', async () => {
    const dir = await dataset(40);
    const cli = path.resolve(__dirname, '../../src/cli/main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'caption', dir, '--model', TINY_FLORENCE2, '--device', 'cpu', '--dtype', 'fp32', '--batch-size', '1'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let interrupted = 0;
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      // The model is loaded and the run begins: the terminal's Ctrl-C goes to the process group.
      if (!interrupted && /model tiny-florence2:/.test(stderr)) {
        interrupted = performance.now();
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.ok(interrupted > 0, stderr);
    assert.ok(performance.now() - interrupted < 3000, 'stopped within 3 s');
    assert.equal(code, 130, stderr);
    assert.match(stderr, /cancelled; saved what was done/);
    assert.doesNotMatch(stderr, /engine process stopped/);
  });

  it('scores in the engine equal the in-process scorer\'s', async () => {
    const dir = await tempDir('recaption-engine-score-');
    dirs.push(dir);
    const file = path.join(dir, 'red.png');
    await writeImage(file, RED);
    const local = await ClipScorer.load({ model: TINY_CLIP, device: 'cpu' });
    const remote = await EngineScorer.open({ model: TINY_CLIP, device: 'cpu', dtype: 'auto' });
    try {
      const texts = ['a red square', 'a green square. It is green.'];
      const expected = await local.scoreTexts(await local.embedImage(file), texts);
      const got = await remote.scoreTexts(await remote.embedImage(file), texts);
      assert.deepEqual(got, expected);
      assert.equal(remote.modelName, local.modelName);
    } finally {
      await local.dispose();
      await remote.dispose();
    }
  });
});

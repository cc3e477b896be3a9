// The captioning run end to end: real files, real sharp, real ONNX Runtime on the tiny Florence-2 model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runCaptioning, type CaptioningProgress } from '../../src/core/captioner/pipeline.js';
import type { CaptionBackend } from '../../src/core/captioner/backend.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { MAX_CAPTION_CHARS } from '../../src/shared/limits.js';
import { SCRIPTED_CAPTIONS } from '../support/models/tiny-models.js';
import { BLUE, TINY_VIT_GPT2, makeDataset, removeDir, tempDir, tinyFlorence, withoutTimes, writeImage } from './captioner-fixture.js';

async function manifest(dir: string): Promise<string> {
  return fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
}

test('cancel, then resume, gives the same manifest as one uninterrupted run', async () => {
  const whole = await tempDir();
  const parts = await tempDir();
  try {
    const backend = await tinyFlorence();
    await makeDataset(whole, 11);
    await makeDataset(parts, 11);
    const full = await runCaptioning({ folder: whole, backend, batchSize: 2 });
    assert.equal(full.captioned, 11);
    assert.equal(full.captionsWritten, 22);
    assert.equal(full.cancelled, false);

    const controller = new AbortController();
    const seen: CaptioningProgress[] = [];
    const first = await runCaptioning({
      folder: parts,
      backend,
      batchSize: 2,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.done >= 4) controller.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.equal(first.captioned, 4, 'stopped right after the batch in flight');
    const saved = ManifestStore.fromText(parts, await manifest(parts));
    assert.equal([...saved.records()].filter((r) => r.ssc && r.dsc).length, 4, 'finished work was checkpointed on cancel');
    assert.ok(seen.every((p) => p.total === 11));

    const second = await runCaptioning({ folder: parts, backend, batchSize: 3 });
    assert.equal(second.due, 7, 'resume skips what is done');
    assert.equal(second.captioned, 7);
    assert.equal(withoutTimes(await manifest(parts)), withoutTimes(await manifest(whole)));

    const third = await runCaptioning({ folder: parts, backend });
    assert.equal(third.due, 0, 'nothing left to do');
  } finally {
    await removeDir(whole);
    await removeDir(parts);
  }
});

test('a corrupt image in the middle is recorded as its error and the rest are captioned; --redo errors retries it', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const names = await makeDataset(dir, 7);
    await fs.writeFile(path.join(dir, names[3]!), Buffer.from('\x89PNG\r\n\x1a\n but then nothing useful'));
    const summary = await runCaptioning({ folder: dir, backend, batchSize: 2 });
    assert.equal(summary.errors, 1);
    assert.equal(summary.captioned, 6);
    const store = ManifestStore.fromText(dir, await manifest(dir));
    for (const r of store.records()) {
      if (r.file_name === names[3]) {
        assert.ok(r.error && r.error.length > 5, `error recorded: ${r.error}`);
        assert.equal(r.ssc, null);
      } else {
        assert.equal(r.error, null);
        assert.ok(r.ssc?.text && r.dsc?.text, r.file_name);
      }
    }
    // The default policy leaves failures alone; redo=errors retries them (the file is fixed now).
    await writeImage(path.join(dir, names[3]!), BLUE);
    assert.equal((await runCaptioning({ folder: dir, backend })).due, 0);
    const retry = await runCaptioning({ folder: dir, backend, redo: 'errors' });
    assert.equal(retry.captioned, 1);
    const fixed = ManifestStore.fromText(dir, await manifest(dir)).get(names[3]!)!;
    assert.equal(fixed.error, null);
    assert.equal(fixed.ssc?.text, SCRIPTED_CAPTIONS.ssc('blue'));
  } finally {
    await removeDir(dir);
  }
});

test('redo=machine rewrites machine captions and leaves human-edited and reviewed ones alone', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const names = await makeDataset(dir, 5);
    await runCaptioning({ folder: dir, backend });
    const store = await ManifestStore.open(dir);
    store.writeHumanCaption(names[1]!, 'ssc', 'a hand-fixed caption');
    store.setReview(names[2]!, 'dsc', 'approved');
    const approvedText = store.get(names[2]!)!.dsc!.text;
    const before = store.get(names[0]!)!.ssc!.at;
    await store.save();
    await new Promise((r) => setTimeout(r, 5));

    const summary = await runCaptioning({ folder: dir, store, backend, redo: 'machine' });
    assert.equal(summary.protected, 2);
    assert.equal(summary.captionsWritten, 2 * 5 - 2);
    const after = ManifestStore.fromText(dir, await manifest(dir));
    assert.equal(after.get(names[1]!)!.ssc!.text, 'a hand-fixed caption');
    assert.equal(after.get(names[1]!)!.ssc!.by, 'human');
    assert.equal(after.get(names[2]!)!.dsc!.review, 'approved');
    assert.equal(after.get(names[2]!)!.dsc!.text, approvedText);
    assert.notEqual(after.get(names[0]!)!.ssc!.at, before, 'machine captions were rewritten');
  } finally {
    await removeDir(dir);
  }
});

test('tasks, checkpoints, progress and a model that writes only the SSC', async () => {
  const dir = await tempDir();
  const ved = await createLocalBackend({ model: TINY_VIT_GPT2, device: 'cpu' });
  try {
    const backend = await tinyFlorence();
    await makeDataset(dir, 6);
    let checkpoints = 0;
    const progress: number[] = [];
    const sscOnly = await runCaptioning({
      folder: dir,
      backend,
      tasks: ['ssc'],
      batchSize: 2,
      checkpointMs: 0,
      checkpoint: async (s) => {
        checkpoints++;
        await s.save();
      },
      onProgress: (p) => progress.push(p.done),
    });
    assert.equal(sscOnly.captionsWritten, 6);
    assert.equal(checkpoints, 4, 'after each of 3 batches and at the end');
    assert.deepEqual(progress, [0, 2, 4, 6]);
    let store = ManifestStore.fromText(dir, await manifest(dir));
    assert.ok([...store.records()].every((r) => r.ssc && r.dsc === null));

    // The vit-gpt2 layout cannot write a DSC: asking for both writes what it can, without errors.
    const none = await runCaptioning({ folder: dir, backend: ved, redo: 'machine' });
    assert.equal(none.errors, 0);
    assert.deepEqual(none.tasks, ['ssc']);
    await assert.rejects(runCaptioning({ folder: dir, backend: ved, tasks: ['dsc'] }), /cannot write DSC/);
    store = ManifestStore.fromText(dir, await manifest(dir));
    assert.ok([...store.records()].every((r) => r.ssc?.model === 'tiny-vit-gpt2' && r.dsc === null));
  } finally {
    await ved.dispose();
    await removeDir(dir);
  }
});

test('an image whose content changed (stale) gets fresh machine captions under the default policy', async () => {
  const dir = await tempDir();
  try {
    const backend = await tinyFlorence();
    const names = await makeDataset(dir, 2);
    await runCaptioning({ folder: dir, backend });
    const store = await ManifestStore.open(dir);
    const record = store.get(names[0]!)!;
    assert.equal(record.ssc?.text, SCRIPTED_CAPTIONS.ssc('red'));
    await writeImage(path.join(dir, names[0]!), BLUE);
    store.put({ ...record, stale: true });
    const summary = await runCaptioning({ folder: dir, store, backend });
    assert.equal(summary.captioned, 1);
    assert.equal(store.get(names[0]!)!.ssc?.text, SCRIPTED_CAPTIONS.ssc('blue'));
    assert.equal(store.get(names[0]!)!.stale, undefined);
  } finally {
    await removeDir(dir);
  }
});

test('decoding runs ahead of inference, bounded by the prefetch queue', async () => {
  const dir = await tempDir();
  try {
    const real = await tinyFlorence();
    await makeDataset(dir, 24);
    let prepared = 0;
    let captioned = 0;
    let maxAhead = 0;
    // The real backend, counting: how many images are decoded but not yet captioned at any moment.
    const counting: CaptionBackend = {
      modelId: real.modelId,
      device: real.device,
      defaultBatchSize: real.defaultBatchSize,
      tasks: real.tasks,
      prepare: async (file, name) => {
        const image = await real.prepare(file, name);
        prepared++;
        maxAhead = Math.max(maxAhead, prepared - captioned);
        return image;
      },
      caption: async (images, tasks, signal) => {
        await new Promise((r) => setTimeout(r, 20)); // slow inference: the decoder must wait on the bound
        const results = await real.caption(images, tasks, signal);
        captioned += images.length;
        return results;
      },
      dispose: () => real.dispose(),
    };
    const summary = await runCaptioning({ folder: dir, backend: counting, batchSize: 2, prefetch: 3 });
    assert.equal(summary.captioned, 24);
    assert.ok(maxAhead > 2, `decoded ahead of the batch (${maxAhead})`);
    // queue (3) + the batch being captioned (2) + decodes in flight (up to 3, the window never exceeds prefetch)
    assert.ok(maxAhead <= 3 + 2 + 3, `bounded (${maxAhead})`);
  } finally {
    await removeDir(dir);
  }
});

test('a caption over the length limit is that image\'s error; the run goes on', async () => {
  const dir = await tempDir();
  try {
    await makeDataset(dir, 3);
    const real = await tinyFlorence();
    // The real model, with one answer blown up past the limit (a runaway generation, a hostile server).
    const runaway: CaptionBackend = {
      modelId: real.modelId,
      device: real.device,
      defaultBatchSize: real.defaultBatchSize,
      prepare: (file, name) => real.prepare(file, name),
      caption: async (images, tasks, signal) =>
        (await real.caption(images, tasks, signal)).map((r, i) => (r.ok && images[i]!.fileName === '01.png' ? { ...r, captions: { ...r.captions, dsc: 'x'.repeat(MAX_CAPTION_CHARS + 1) } } : r)),
      dispose: async () => undefined,
    };
    const summary = await runCaptioning({ folder: dir, backend: runaway, batchSize: 3 });
    assert.equal(summary.captioned, 2);
    assert.equal(summary.errors, 1);
    const store = await ManifestStore.open(dir);
    assert.match(store.get('01.png')!.error ?? '', /^01\.png: the DSC would be 100,001 characters long, over the 100,000 a caption may have/);
    assert.equal(store.get('01.png')!.dsc, null);
    store.close();
  } finally {
    await removeDir(dir);
  }
});

test('an image that became a link out of the dataset after the scan is refused, naming where it leads', async () => {
  const dir = await tempDir();
  const outside = await tempDir('recaption-outside-');
  try {
    await makeDataset(dir, 3);
    // After the scan, 01.png is swapped for a link to a file outside the dataset.
    await writeImage(path.join(outside, 'private.png'), BLUE);
    await fs.rm(path.join(dir, '01.png'));
    await fs.symlink(path.join(outside, 'private.png'), path.join(dir, '01.png'));
    const summary = await runCaptioning({ folder: dir, backend: await tinyFlorence(), batchSize: 3 });
    assert.equal(summary.captioned, 2);
    assert.equal(summary.errors, 1);
    const store = await ManifestStore.open(dir);
    assert.match(store.get('01.png')!.error ?? '', /^01\.png leads to .*private\.png, outside the dataset folder; not read/);
    assert.equal(store.get('01.png')!.ssc, null);
    store.close();
    const followed = await runCaptioning({ folder: dir, backend: await tinyFlorence(), batchSize: 3, redo: 'errors', followExternalLinks: true });
    assert.equal(followed.captioned, 1, 'the user may choose to follow links out');
  } finally {
    await removeDir(dir);
    await removeDir(outside);
  }
});


test('after the tests: dispose the shared backend', async () => {
  await (await tinyFlorence()).dispose();
});

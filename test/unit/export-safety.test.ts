// The export's refusals and its all-or-nothing behaviour on cancel and failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExportError, exportFineTuneSet, type ExportOptions } from '../../src/core/export/index.js';
import { emptyRecord } from '../../src/shared/record.js';
import { approvedImages, makeDataset, readTree, tempDir } from './export-fixture.js';
import { canMount, fillUntilFree, FILLER_NAME, removeFiller, withTmpfs } from '../support/tmpfs.js';
import { execFileSync } from 'node:child_process';

async function rejectsWith(promise: Promise<unknown>, code: ExportError['code']): Promise<ExportError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ExportError, `expected ExportError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected a refusal (${code})`);
}

const exists = (p: string) => fs.access(p).then(() => true, () => false);

test('an output folder inside the dataset is refused unless forced; one containing it always', async () => {
  const store = await makeDataset(approvedImages(6));
  const base = { store, profile: 'ssc', format: 'hf' } as const;
  const inside = path.join(store.folder, 'exports', 'one');
  await rejectsWith(exportFineTuneSet({ ...base, out: inside }), 'out-inside-dataset');
  assert.equal(await exists(path.join(store.folder, 'exports')), false, 'nothing created');
  await rejectsWith(exportFineTuneSet({ ...base, out: store.folder, force: true }), 'out-inside-dataset');
  await rejectsWith(exportFineTuneSet({ ...base, out: path.dirname(store.folder), force: true }), 'out-inside-dataset');
  // Through a symlink that points into the dataset: still inside.
  const link = path.join(await tempDir('link'), 'via');
  await fs.symlink(store.folder, link);
  await rejectsWith(exportFineTuneSet({ ...base, out: path.join(link, 'sub') }), 'out-inside-dataset');
  const { record } = await exportFineTuneSet({ ...base, out: inside, force: true });
  assert.equal(record.counts.total, 6);
  assert.ok(record.notes.some((n) => n.includes('inside the dataset')));
});

test('a non-empty output folder is refused unless forced, and forcing never replaces foreign files', async () => {
  const store = await makeDataset(approvedImages(12));
  const out = await tempDir('out');
  await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
  const base = { store, out, profile: 'dsc', format: 'webdataset', shardSize: 2, validation: 0 } as const;
  await rejectsWith(exportFineTuneSet(base), 'out-not-empty');
  const first = await exportFineTuneSet({ ...base, force: true });
  assert.equal(first.record.outputs.length, 8, 'six shards and the card (README.md, card/)');
  // A second, smaller export forced into the same folder replaces the first one's shards entirely.
  const second = await exportFineTuneSet({ ...base, force: true, shardSize: 5 });
  assert.deepEqual(second.record.outputs, ['README.md', 'card', 'train-000000.tar', 'train-000001.tar', 'train-000002.tar']);
  assert.deepEqual((await fs.readdir(out)).sort(), ['export.json', 'notes.txt', ...second.record.outputs].sort());
  assert.equal(await fs.readFile(path.join(out, 'notes.txt'), 'utf8'), 'mine');
  // A folder named like an output but not written by an export is never replaced.
  const foreign = await tempDir('out');
  await fs.mkdir(path.join(foreign, 'train'));
  await fs.writeFile(path.join(foreign, 'train', 'precious.png'), 'x');
  const err = await rejectsWith(exportFineTuneSet({ store, out: foreign, profile: 'ssc', format: 'hf', force: true }), 'out-not-empty');
  assert.match(err.message, /train/);
  assert.equal(await fs.readFile(path.join(foreign, 'train', 'precious.png'), 'utf8'), 'x');
  const file = path.join(foreign, 'a-file');
  await fs.writeFile(file, '');
  await rejectsWith(exportFineTuneSet({ store, out: file, profile: 'ssc', format: 'hf' }), 'out-not-folder');
});

test('forced over an earlier export of another format, the earlier export goes whole and the user\'s files stay', async () => {
  const store = await makeDataset(approvedImages(6));
  const out = path.join(await tempDir('out'), 'x');
  await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', validation: 0 });
  await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
  await fs.mkdir(path.join(out, 'mine'));
  await fs.writeFile(path.join(out, 'mine', 'plan.md'), 'also mine');
  const mode = (await fs.stat(out)).mode & 0o777;
  await fs.chmod(out, 0o750);
  const { record } = await exportFineTuneSet({ store, out, profile: 'dsc', format: 'llava', validation: 0, force: true });
  assert.deepEqual((await fs.readdir(out)).sort(), [...record.outputs, 'export.json', 'mine', 'notes.txt'].sort(), 'no train/ of the earlier hf export');
  assert.equal(await fs.readFile(path.join(out, 'mine', 'plan.md'), 'utf8'), 'also mine');
  assert.equal((await fs.stat(out)).mode & 0o777, 0o750, 'the folder keeps its permissions');
  assert.deepEqual((await fs.readdir(path.dirname(out))).sort(), ['x'], 'nothing left beside it');
  await fs.chmod(out, mode);
});

test('a file_name that escapes the dataset is refused and counted', async () => {
  const parent = await tempDir('escape');
  await fs.writeFile(path.join(parent, 'secret.png'), 'not yours');
  const store = await makeDataset(approvedImages(3));
  // put() takes what it is given (the codec refuses such lines on load); the export must not trust it.
  for (const name of ['../secret.png', `${parent}/secret.png`]) {
    store.put({ ...emptyRecord(name), ssc: { text: 'leak', by: 'human', review: 'approved' } });
  }
  const out = path.join(await tempDir('out'), 'x');
  const { record } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'llava', validation: 0 });
  assert.equal(record.counts.total, 3);
  assert.equal(record.skipped['unsafe-file-name'], 2);
  const tree = await readTree(out);
  assert.ok(![...tree.values()].some((b) => b.toString('utf8').includes('leak') || b.toString('utf8') === 'not yours'));
});

async function failingRun(options: ExportOptions, how: 'cancel' | 'throw'): Promise<void> {
  const controller = new AbortController();
  let calls = 0;
  const promise = exportFineTuneSet({
    ...options,
    signal: controller.signal,
    onProgress: () => {
      if (++calls < 2) return;
      if (how === 'cancel') controller.abort();
      else throw new Error('disk on fire');
    },
  });
  if (how === 'cancel') await rejectsWith(promise, 'cancelled');
  else await assert.rejects(promise, /disk on fire/);
  assert.ok(calls >= 2, 'stopped in the middle');
}

test('a cancelled or failed export leaves nothing under a final name', async () => {
  const store = await makeDataset(approvedImages(100));
  for (const format of ['webdataset', 'hf', 'llava', 'openai', 'sidecar'] as const) {
    for (const how of ['cancel', 'throw'] as const) {
      // Into a new folder: the folder is gone afterwards.
      const fresh = path.join(await tempDir('out'), 'new');
      await failingRun({ store, out: fresh, profile: 'dsc', format, shardSize: 10 }, how);
      assert.equal(await exists(fresh), false, `${format} ${how}: folder removed`);
      // Over an earlier export: that export is untouched, byte for byte.
      const earlier = path.join(await tempDir('out'), 'earlier');
      await exportFineTuneSet({ store, out: earlier, profile: 'ssc', format, shardSize: 10, seed: 1 });
      const before = await readTree(earlier);
      await failingRun({ store, out: earlier, profile: 'dsc', format, shardSize: 10, force: true }, how);
      const after = await readTree(earlier);
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `${format} ${how}: same files`);
      for (const [name, data] of before) assert.ok(data.equals(after.get(name)!), `${format} ${how}: ${name} unchanged`);
    }
  }
  const controller = new AbortController();
  controller.abort();
  const out = path.join(await tempDir('out'), 'never');
  await rejectsWith(exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', signal: controller.signal }), 'cancelled');
  assert.equal(await exists(out), false);
});

test('bad settings are refused before anything is written', async () => {
  const store = await makeDataset(approvedImages(2));
  const out = path.join(await tempDir('out'), 'x');
  const base = { store, out, profile: 't2i', format: 'hf' } as const;
  await rejectsWith(exportFineTuneSet({ ...base, ratio: 1.5 }), 'bad-option');
  await rejectsWith(exportFineTuneSet({ ...base, validation: 1 }), 'bad-option');
  await rejectsWith(exportFineTuneSet({ ...base, seed: 0.5 }), 'bad-option');
  await rejectsWith(exportFineTuneSet({ ...base, format: 'webdataset', shardSize: 0 }), 'bad-option');
  assert.equal(await exists(out), false);
});

test('hard links across devices fall back to copies and say so', async (t) => {
  const shm = '/dev/shm';
  const store = await makeDataset(approvedImages(4));
  const [dev, shmDev] = await Promise.all([fs.stat(store.folder).then((s) => s.dev), fs.stat(shm).then((s) => s.dev, () => null)]);
  if (shmDev === null || shmDev === dev) return t.skip('no second file system to link across');
  const out = await fs.mkdtemp(path.join(shm, 'recaption-out-'));
  try {
    const { record } = await exportFineTuneSet({ store, out: path.join(out, 'x'), profile: 'ssc', format: 'openai', images: 'link', validation: 0 });
    assert.equal(record.counts.total, 4);
    assert.ok(record.notes.some((n) => n.includes('across devices')), record.notes.join('; '));
    const copy = await fs.readFile(path.join(out, 'x', 'images', 'img', '0000.png'));
    assert.ok(copy.equals(await fs.readFile(path.join(store.folder, 'img', '0000.png'))));
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
});

test('sidecar: two images sharing a base name do not share a caption file', async () => {
  const store = await makeDataset([
    { fileName: 'cat.jpg', ssc: 'a jpeg cat', sscReview: 'approved' },
    { fileName: 'cat.png', ssc: 'a png cat', sscReview: 'approved' },
    { fileName: 'dog.png', ssc: 'a dog', sscReview: 'approved' },
  ]);
  const out = path.join(await tempDir('out'), 'x');
  const { record } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'sidecar', validation: 0 });
  assert.equal(record.counts.total, 2);
  assert.deepEqual(record.skipped, { 'name-collision': 1 });
  assert.deepEqual(record.skipped_examples['name-collision'], ['cat.png']);
  assert.equal(await fs.readFile(path.join(out, 'train', 'cat.txt'), 'utf8'), 'a jpeg cat\n');
  assert.equal(await exists(path.join(out, 'train', 'cat.png')), false);
});

test('an export with nothing to export still writes its record, with the reasons', async () => {
  const store = await makeDataset([{ fileName: 'a.png', ssc: 'unreviewed' }]);
  const out = path.join(await tempDir('out'), 'x');
  const { record } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf' });
  assert.deepEqual(record.counts, { train: 0, validation: 0, total: 0 });
  assert.deepEqual(record.skipped, { 'not-approved': 1 });
  assert.deepEqual((await fs.readdir(out)).sort(), ['README.md', 'export.json'], 'the card says what was left out and why');
});

test('a full or read-only disk under the output folder: the export fails, the earlier export stays whole, nothing is left beside it', { skip: !canMount() && 'needs root on Linux to mount a small tmpfs' }, async () => {
  const store = await makeDataset(approvedImages(40));
  await withTmpfs(4096, async (mount) => {
    const out = path.join(mount, 'out');
    const earlier = { store, out, profile: 'ssc', format: 'hf', validation: 0.2 } as const;
    await exportFineTuneSet(earlier);
    let before = await readTree(out);
    const sameAsBefore = async () => {
      const now = await readTree(out);
      return now.size === before.size && [...before].every(([name, bytes]) => now.get(name)?.equals(bytes));
    };
    let failed = 0;
    for (const free of [0, 8 * 1024, 32 * 1024, 96 * 1024, 256 * 1024]) {
      await fillUntilFree(mount, free);
      try {
        const { record } = await exportFineTuneSet({ ...earlier, profile: 'dsc', format: 'llava', force: true });
        assert.equal(record.counts.total, 40, `${free} bytes free: a whole new export`);
      } catch (err) {
        failed++;
        assert.ok(await sameAsBefore(), `${free} bytes free: ${String(err)}; the earlier export is whole`);
      }
      assert.deepEqual((await fs.readdir(mount)).filter((n) => n !== FILLER_NAME).sort(), ['out'], `${free} bytes free: nothing beside it`);
      await removeFiller(mount);
      await exportFineTuneSet({ ...earlier, force: true });
      before = await readTree(out);
    }
    assert.ok(failed >= 2, `the disk was full for ${failed} of the attempts`);
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    try {
      await rejectsWith(exportFineTuneSet({ ...earlier, profile: 'dsc', force: true }), 'out-unusable');
      assert.ok(await sameAsBefore());
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mount]);
    }
  });
});

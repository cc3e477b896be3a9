// A full disk on a real file system (a small tmpfs): every write either lands whole or fails with a message
// that says the disk is full, the previous file stays as it was, no temp file is left, and the CLI exits
// with an error. A short write (the kernel accepting fewer bytes than asked) is the case that used to slip
// through: the last chunk of a small manifest was cut and the truncated file renamed over the good one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, WriteError } from '../../src/core/dataset/atomic-write.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { TextSink } from '../../src/core/export/text-sink.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { canMount, fillUntilFree, FILLER_NAME, removeFiller, withTmpfs } from '../support/tmpfs.js';
import { writeImage } from '../support/temp-dataset.js';

const skip = !canMount() && 'needs root on Linux to mount a small tmpfs';
const cliEntry = path.join(__dirname, '../../src/cli/main.ts');

function manifestOf(records: number, captionWords: number): string {
  const store = ManifestStore.fromText('/x', '');
  for (let i = 0; i < records; i++) {
    const name = `img/${String(i).padStart(5, '0')}.png`;
    store.put({ ...emptyRecord(name), width: 32, height: 32, sha256: 'e'.repeat(64) });
    store.writeHumanCaption(name, 'dsc', `a person wrote caption ${i} `.repeat(captionWords));
  }
  return store.serialize();
}

async function listed(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n !== FILLER_NAME).sort();
}

test('a full disk at several manifest sizes and free spaces: the new manifest lands whole or the old one stays', { skip }, async () => {
  await withTmpfs(4096, async (dir) => {
    const target = path.join(dir, MANIFEST_NAME);
    const old = manifestOf(5, 1);
    let failures = 0;
    let successes = 0;
    // Sizes below 1 MiB (one chunk), just over it (two chunks) and well over; free space from nothing to ample.
    for (const [records, words] of [[10, 1], [60, 4], [400, 10], [2500, 12]] as const) {
      const next = manifestOf(records, words);
      const size = Buffer.byteLength(next);
      for (const free of [0, 8 << 10, Math.floor(size / 2), size - 4096, size + (64 << 10)]) {
        await fs.writeFile(target, old);
        await fillUntilFree(dir, Math.max(0, free));
        const label = `${size} bytes with ${free} free`;
        try {
          await writeFileAtomic(target, [next]);
          successes++;
          assert.equal(await fs.readFile(target, 'utf8'), next, `${label}: the saved manifest is not what was written`);
        } catch (err) {
          failures++;
          assert.ok(err instanceof WriteError, `${label}: ${String(err)}`);
          assert.match(err.message, /the disk is full/, label);
          assert.equal(err.code, 'ENOSPC', label);
          assert.equal(await fs.readFile(target, 'utf8'), old, `${label}: the old manifest changed`);
        }
        assert.deepEqual(await listed(dir), [MANIFEST_NAME], `${label}: a temp file was left`);
        await removeFiller(dir);
      }
    }
    // Both outcomes happened, so the loop tested something on each side.
    assert.ok(failures >= 8, `only ${failures} writes failed`);
    assert.ok(successes >= 4, `only ${successes} writes succeeded`);
  });
});

test('an export metadata file on a full disk fails instead of closing short', { skip }, async () => {
  await withTmpfs(1024, async (dir) => {
    await fillUntilFree(dir, 8 << 10);
    const sink = await TextSink.create(path.join(dir, 'metadata.jsonl'));
    await sink.write('x'.repeat(300 << 10));
    await assert.rejects(sink.close(), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
  });
});

function cli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:9' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

test('recaption scan and caption on a full disk exit with an error and leave the manifest and its human captions whole', { skip }, async () => {
  await withTmpfs(2048, async (dir) => {
    const data = path.join(dir, 'data');
    for (let i = 0; i < 30; i++) await writeImage(data, `img-${String(i).padStart(2, '0')}.png`, { width: 32, height: 32, color: { r: 8 * i, g: 100, b: 50 } });
    const scanned = await cli(['scan', data]);
    assert.equal(scanned.status, 0, scanned.stderr);
    const store = await ManifestStore.open(data);
    for (const name of store.names()) store.writeHumanCaption(name, 'ssc', `the person's own caption of ${name}, kept`);
    await store.save();
    store.close();
    const before = await fs.readFile(path.join(data, MANIFEST_NAME), 'utf8');

    await fillUntilFree(dir, 8 << 10);
    const caption = await cli(['caption', data, '--model', path.join(__dirname, '..', 'fixtures', 'models', 'tiny-florence2'), '--device', 'cpu', '--tasks', 'dsc']);
    assert.notEqual(caption.status, 0, `caption exited 0 on a full disk:\n${caption.stderr}`);
    assert.match(caption.stderr, /the disk is full/);
    assert.equal(await fs.readFile(path.join(data, MANIFEST_NAME), 'utf8'), before, 'caption changed the manifest');

    // A re-scan that finds new images has to write a bigger manifest.
    await removeFiller(dir);
    for (let i = 30; i < 60; i++) await writeImage(data, `img-${String(i).padStart(2, '0')}.png`, { width: 32, height: 32, color: { r: 4 * i, g: 10, b: 50 } });
    await fillUntilFree(dir, 8 << 10);
    const rescan = await cli(['scan', data]);
    assert.notEqual(rescan.status, 0, `scan exited 0 on a full disk:\n${rescan.stderr}`);
    assert.match(rescan.stderr, /the disk is full/);
    assert.equal(await fs.readFile(path.join(data, MANIFEST_NAME), 'utf8'), before, 'scan changed the manifest');
    assert.deepEqual((await fs.readdir(data)).filter((n) => n.startsWith('.')), [], 'a temp file was left');
  });
});

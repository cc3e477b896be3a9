import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { writeFileAtomic, WriteError } from '../../src/core/dataset/atomic-write.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { canMount, withTmpfs } from '../support/tmpfs.js';

function manifestText(n: number, caption: string): string {
  const store = ManifestStore.fromText('/x', '');
  for (let i = 0; i < n; i++) {
    store.put({ ...emptyRecord(`img/${String(i).padStart(6, '0')}.jpg`), width: 640, height: 480, sha256: 'f'.repeat(64) });
    store.writeMachineCaption(`img/${String(i).padStart(6, '0')}.jpg`, 'dsc', { text: `${caption} ${i} `.repeat(8), by: 'model', model: 'm', at: '2026-01-01T00:00:00.000Z' });
  }
  return store.serialize();
}

test('a save killed at any moment leaves the old manifest or the new one, whole', async () => {
  const dir = await makeTempDir();
  try {
    const a = manifestText(20_000, 'old');
    const b = manifestText(20_000, 'new');
    const target = path.join(dir, MANIFEST_NAME);
    await fs.writeFile(path.join(dir, 'a.txt'), a);
    await fs.writeFile(path.join(dir, 'b.txt'), b);
    await fs.writeFile(target, a);
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../support/save-forever.ts'), target, path.join(dir, 'a.txt'), path.join(dir, 'b.txt')], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const now = await fs.readFile(target, 'utf8');
      assert.ok(now === a || now === b, `round ${round}: the manifest is torn (${now.length} chars)`);
      const parsed = ManifestStore.fromText(dir, now);
      assert.equal(parsed.size, 20_000);
      assert.equal(parsed.problems.length, 0);
    }
  } finally {
    await removeDir(dir);
  }
});

test('a read-only folder: the save says so and writes nothing', { skip: !canMount() && 'needs root to mount a read-only tmpfs' }, async () => {
  await withTmpfs(1024, async (dir) => {
    await fs.writeFile(path.join(dir, MANIFEST_NAME), manifestText(3, 'old'));
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const store = await ManifestStore.open(dir);
    store.writeMachineCaption(store.names()[0]!, 'ssc', { text: 'new', by: 'model', model: 'm' });
    await assert.rejects(store.save(), (err: unknown) => {
      assert.ok(err instanceof WriteError);
      assert.match(err.message, /read-only file system\. Nothing was changed/);
      return true;
    });
    assert.equal(await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), manifestText(3, 'old'));
    assert.deepEqual((await fs.readdir(dir)).sort(), [MANIFEST_NAME]);
    store.close();
  });
});

test('a full disk: the save says so, the old manifest is untouched and no temp file is left', { skip: !canMount() && 'needs root to mount a small tmpfs' }, async () => {
  await withTmpfs(64, async (dir) => {
    const old = manifestText(3, 'old');
    await fs.writeFile(path.join(dir, MANIFEST_NAME), old);
    await assert.rejects(writeFileAtomic(path.join(dir, MANIFEST_NAME), manifestText(2000, 'big')), /the disk is full/);
    assert.equal(await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), old);
    assert.deepEqual(await fs.readdir(dir), [MANIFEST_NAME]);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { makeTempDir, removeDir, writeText } from '../support/temp-dataset.js';
import { mapConcurrent } from '../../src/core/util/map-concurrent.js';

const cliEntry = path.join(__dirname, '../../src/cli/main.ts');

function recaption(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cliEntry, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('recaption scan then stats --json gives the right counts on a few thousand generated images', async () => {
  const dir = await makeTempDir();
  try {
    const n = 2000;
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#888' } }).png().toBuffer();
    await mapConcurrent(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
      // Distinct bytes per image, so the hashes differ; every 4th has a sidecar, every 100th is broken.
      const file = `part${i % 7}/img${String(i).padStart(5, '0')}.png`;
      const bytes = i % 100 === 99 ? Buffer.from('garbage') : Buffer.concat([png, Buffer.from(String(i))]);
      await writeText(dir, file, bytes);
      if (i % 4 === 0) await writeText(dir, file.replace(/\.png$/, '.txt'), `caption ${i}`);
    });
    const scan = recaption('scan', dir);
    assert.equal(scan.code, 0, scan.stderr);
    assert.match(scan.stderr, /2000 images: 2000 added, 0 changed, 0 unchanged, 0 missing, 20 with errors, 500 alt-texts imported/);
    const stats = recaption('stats', dir, '--json');
    assert.equal(stats.code, 0, stats.stderr);
    const counts = JSON.parse(stats.stdout);
    assert.equal(counts.images, n);
    assert.equal(counts.withAlt, 500);
    assert.equal(counts.errors, 20);
    assert.equal(counts.ssc.present, 0);
    assert.equal(counts.dsc.present, 0);
    assert.equal(counts.reviewed, 0);
    const lines = (await fs.readFile(path.join(dir, 'recaption.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, n);
    const human = recaption('stats', dir);
    assert.match(human.stdout, /^images +2000$/m);
  } finally {
    await removeDir(dir);
  }
});

test('bad arguments and unreadable folders get one clear line and a non-zero exit', async () => {
  const dir = await makeTempDir();
  try {
    const missing = recaption('scan', path.join(dir, 'nope'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^recaption scan: no such folder: .*nope\n$/);
    const file = await writeText(dir, 'file.txt', 'x');
    assert.match(recaption('scan', file).stderr, /is not a folder/);
    const usage = recaption('scan');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected one <folder>, got 0/);
    const unknown = recaption('scan', dir, '--frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
    const noManifest = recaption('stats', dir);
    assert.equal(noManifest.code, 1);
    assert.match(noManifest.stderr, /has no recaption\.jsonl yet; run "recaption scan/);
    assert.equal(recaption('bogus').code, 2);
    assert.equal(recaption('--help').code, 0);
  } finally {
    await removeDir(dir);
  }
});

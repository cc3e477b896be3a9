// recaption export as a user runs it: a separate process, exit codes, summary on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExportRecord } from '../../src/core/export/index.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';

const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');

function recaption(...args: string[]) {
  return spawnSync(tsx, [cli, ...args], { encoding: 'utf8' });
}

test('recaption export writes the set, prints a summary, exits 0 when the folder already holds the same export, and refuses a non-empty folder', async () => {
  const images = approvedImages(10);
  images.push({ fileName: 'img/new.png', alt: 'a', ssc: 's', dsc: 'd' });
  const store = await makeDataset(images);
  const out = path.join(await tempDir('cli'), 'set');
  const run = recaption('export', store.folder, '--profile', 't2i', '--format', 'webdataset', '--out', out, '--ratio', '0.5', '--seed', '4', '--val', '0', '--shard-size', '3', '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /exported 10 images/);
  assert.match(run.stderr, /--select unrejected/);
  const record = JSON.parse(run.stdout) as ExportRecord;
  assert.deepEqual(record, JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')));
  assert.equal(record.ratio, 0.5);
  assert.equal(record.seed, 4);
  assert.deepEqual(record.outputs, ['README.md', 'card', 'train-000000.tar', 'train-000001.tar', 'train-000002.tar', 'train-000003.tar']);

  // The same command again (after a kill, or by mistake): the folder already holds this export; exit 0.
  const before = await fs.readFile(path.join(out, 'export.json'), 'utf8');
  const same = recaption('export', store.folder, '--profile', 't2i', '--format', 'webdataset', '--out', out, '--ratio', '0.5', '--seed', '4', '--val', '0', '--shard-size', '3');
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stderr, /already holds this export/);
  assert.equal(await fs.readFile(path.join(out, 'export.json'), 'utf8'), before, 'left as it was');

  const again = recaption('export', store.folder, '--profile', 'ssc', '--format', 'hf', '--out', out);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);
  const bad = recaption('export', store.folder, '--profile', 'tags', '--format', 'hf', '--out', out);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--profile must be one of ssc, dsc, t2i/);
  const all = recaption('export', store.folder, '--profile', 'ssc', '--format', 'hf', '--out', out, '--force', '--select', 'unrejected', '--images', 'link');
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stderr, /exported 11 images/);
});

test('recaption export --card-sample takes a number of records or "all", records it, and refuses anything else', async () => {
  const store = await makeDataset(approvedImages(30));
  const exportWith = async (value: string) => {
    const out = path.join(await tempDir('cli-card'), 'set');
    return { run: recaption('export', store.folder, '--profile', 'dsc', '--format', 'hf', '--images', 'none', '--out', out, '--card-sample', value, '--json'), out };
  };
  const sampled = await exportWith('10');
  assert.equal(sampled.run.status, 0, sampled.run.stderr);
  assert.equal((JSON.parse(sampled.run.stdout) as ExportRecord).card_sample, 10);
  assert.match(await fs.readFile(path.join(sampled.out, 'README.md'), 'utf8'), /a seeded sample of \d+ of the 30 exported images/);
  const all = await exportWith('all');
  assert.equal(all.run.status, 0, all.run.stderr);
  assert.equal((JSON.parse(all.run.stdout) as ExportRecord).card_sample, null);
  for (const bad of ['0', 'some', '1e3']) {
    const refused = await exportWith(bad);
    assert.equal(refused.run.status, 2, `${bad}: ${refused.run.stderr}`);
    assert.match(refused.run.stderr, /--card-sample must be "all" or a whole number of records from 1/);
  }
});

test('recaption export --parse-threads takes a whole number and refuses anything else', async () => {
  const store = await makeDataset(approvedImages(5));
  const exportWith = async (value: string) => recaption('export', store.folder, '--profile', 'dsc', '--format', 'hf', '--images', 'none', '--out', path.join(await tempDir('cli-threads'), 'set'), '--parse-threads', value);
  assert.equal((await exportWith('2')).status, 0);
  assert.equal((await exportWith('0')).status, 0);
  for (const bad of ['many', '1.5', '1e3']) {
    const refused = await exportWith(bad);
    assert.equal(refused.status, 2, `${bad}: ${refused.stderr}`);
    assert.match(refused.stderr, /--parse-threads must be a whole number from 0/);
  }
});

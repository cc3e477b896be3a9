// Symbolic links out of the dataset folder: a sidecar linked to ~/.ssh/id_rsa must not become alt-text (and
// be exported and sent to an endpoint), a folder linked to /etc must not be walked. Such links are skipped
// with a warning unless the user opts in; links that stay inside the dataset keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { makeTempDir, removeDir, writeImage } from '../support/temp-dataset.js';

async function setup(): Promise<{ root: string; dataset: string; outside: string }> {
  const root = await makeTempDir('recaption-links-');
  const dataset = path.join(root, 'dataset');
  const outside = path.join(root, 'home');
  await fs.mkdir(path.join(outside, '.ssh'), { recursive: true });
  await fs.writeFile(path.join(outside, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY----- secret');
  await writeImage(outside, 'elsewhere/far.png');
  await writeImage(dataset, 'link.jpg');
  await writeImage(dataset, 'inside/real.png');
  await fs.symlink(path.join(outside, '.ssh', 'id_rsa'), path.join(dataset, 'link.txt'));
  await fs.symlink(path.join(outside, 'elsewhere'), path.join(dataset, 'etc'));
  await fs.symlink(path.join(outside, 'elsewhere', 'far.png'), path.join(dataset, 'far-link.png'));
  await fs.writeFile(path.join(outside, 'metadata.jsonl'), '{"file_name":"inside/real.png","text":"from outside"}\n');
  await fs.symlink(path.join(outside, 'metadata.jsonl'), path.join(dataset, 'metadata.jsonl'));
  // A link that stays inside the dataset is fine.
  await fs.symlink(path.join(dataset, 'inside', 'real.png'), path.join(dataset, 'alias.png'));
  return { root, dataset, outside };
}

test('links that leave the dataset are skipped with a warning: sidecars, folders, images, metadata files', async () => {
  const { root, dataset } = await setup();
  try {
    const { store, report } = await scanDataset(dataset, { save: false });
    assert.deepEqual([...store.names()].sort(), ['alias.png', 'inside/real.png', 'link.jpg']);
    assert.equal(store.get('link.jpg')!.alt, null, 'the linked private key did not become alt-text');
    assert.equal(store.get('inside/real.png')!.alt, null, 'the linked metadata file was not read');
    for (const name of ['link.txt', 'etc', 'far-link.png', 'metadata.jsonl']) {
      assert.ok(report.warnings.some((w) => w.includes(name) && /outside the dataset/.test(w)), `no warning for ${name}: ${report.warnings.join('; ')}`);
    }
    assert.ok(!JSON.stringify(store.get('link.jpg')).includes('PRIVATE KEY'));
  } finally {
    await removeDir(root);
  }
});

test('with the opt-in, links out of the dataset are followed', async () => {
  const { root, dataset } = await setup();
  try {
    const { store } = await scanDataset(dataset, { save: false, followExternalLinks: true });
    assert.ok(store.get('etc/far.png'));
    assert.ok(store.get('far-link.png'));
    assert.match(store.get('link.jpg')!.alt!.text, /PRIVATE KEY/);
  } finally {
    await removeDir(root);
  }
});

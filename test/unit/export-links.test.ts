// Files that lead outside the dataset folder: an image that is a symbolic link to a private file, and a
// subfolder that is a link to a folder elsewhere. No export format, no image mode and no push holds a
// byte of them unless the user chose to follow links out; each refused file is named in a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { exportFineTuneSet, type ExportFormat, type ImageMode } from '../../src/core/export/index.js';
import { DatasetFolder, isRefusal } from '../../src/core/dataset/dataset-file.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { createPushCommand } from '../../src/cli/commands/push.js';
import { CliError } from '../../src/cli/cli-error.js';
import { startHubTestServer } from '../support/hub-test-server.js';
import { captureStderr } from '../support/capture-stderr.js';
import { addImages, approvedImages, makeDataset, readTree, tempDir } from './export-fixture.js';

/** In every private file, so that any copy of it (whole, embedded in a shard, in a Parquet page) is found. */
const MARKER = 'PRIVATE-0f9e8d7c-NOT-FOR-EXPORT';

const SETUPS: { format: ExportFormat; images: ImageMode }[] = [
  { format: 'hf', images: 'copy' },
  { format: 'hf', images: 'link' },
  { format: 'hf', images: 'none' },
  { format: 'sidecar', images: 'copy' },
  { format: 'webdataset', images: 'copy' },
  { format: 'parquet', images: 'copy' },
  { format: 'llava', images: 'link' },
  { format: 'openai', images: 'copy' },
];

/**
 * A dataset of 4 ordinary images plus: leak.png, a link to a private file outside; elsewhere/, a link to a
 * folder outside holding far.png; near.png, a link to an image inside the dataset (allowed).
 */
async function datasetWithLinks(): Promise<ManifestStore> {
  const store = await makeDataset(approvedImages(4));
  const outside = await tempDir('outside');
  await fs.writeFile(path.join(outside, 'secret.png'), `${MARKER} ssh key`);
  await fs.mkdir(path.join(outside, 'folder'));
  await fs.writeFile(path.join(outside, 'folder', 'far.png'), `${MARKER} a private photo`);
  await addImages(store, [
    { fileName: 'leak.png', ssc: 'leak', sscReview: 'approved', noFile: true },
    { fileName: 'elsewhere/far.png', ssc: 'far', sscReview: 'approved', noFile: true },
    { fileName: 'near.png', ssc: 'near', sscReview: 'approved', noFile: true },
  ]);
  await store.save();
  await fs.symlink(path.join(outside, 'secret.png'), path.join(store.folder, 'leak.png'));
  await fs.symlink(path.join(outside, 'folder'), path.join(store.folder, 'elsewhere'));
  await fs.symlink('img/0000.png', path.join(store.folder, 'near.png'));
  return store;
}

function holdsMarker(tree: Map<string, Buffer>): string[] {
  return [...tree].filter(([, bytes]) => bytes.includes(MARKER)).map(([name]) => name);
}

test('every format and image mode refuses files and folders that lead outside the dataset, and names them', async () => {
  const store = await datasetWithLinks();
  for (const { format, images } of SETUPS) {
    const label = `${format} --images ${images}`;
    const out = path.join(await tempDir('out'), 'x');
    const { record, warnings } = await exportFineTuneSet({ store, out, profile: 'ssc', format, images, validation: 0 });
    assert.deepEqual(holdsMarker(await readTree(out)), [], `${label}: no byte from outside`);
    assert.equal(record.skipped['outside-dataset'], 2, label);
    assert.deepEqual(record.skipped_examples['outside-dataset'], ['elsewhere/far.png', 'leak.png'], label);
    assert.equal(record.counts.total, 5, `${label}: the four images and the link inside the dataset`);
    assert.equal(warnings.length, 2, label);
    assert.match(warnings.find((w) => w.startsWith('leak.png')) ?? '', /secret\.png, outside the dataset folder.*--follow-external-links/, label);
    assert.match(warnings.find((w) => w.startsWith('elsewhere/far.png')) ?? '', /folder.far\.png, outside the dataset folder/, label);
    // The local path of the private file stays local: neither export.json nor the card names it.
    const published = [...(await readTree(out))].filter(([name]) => name === 'export.json' || name === 'README.md').map(([, b]) => b.toString('utf8'));
    assert.ok(published.every((text) => !text.includes('secret.png')), `${label}: the target's path is not published`);
  }
});

test('with links out followed (the user\'s choice), the same exports include them', async () => {
  const store = await datasetWithLinks();
  for (const { format, images } of SETUPS) {
    const out = path.join(await tempDir('out'), 'x');
    const { record, warnings } = await exportFineTuneSet({ store, out, profile: 'ssc', format, images, validation: 0, followExternalLinks: true });
    assert.equal(record.counts.total, 7, format);
    assert.equal(record.follow_external_links, true);
    assert.deepEqual(warnings, []);
    if (images !== 'none') assert.equal(holdsMarker(await readTree(out)).length > 0, true, `${format} ${images}: the linked files went out`);
  }
});

test('the dataset file reader refuses names and links that leave the folder, special files, and a file swapped for a link after the check', async () => {
  const store = await datasetWithLinks();
  const files = await DatasetFolder.open(store.folder);
  for (const name of ['../escape.png', '/etc/passwd', 'leak.png', 'elsewhere/far.png']) {
    const r = await files.resolve(name);
    assert.ok(isRefusal(r) && r.refused === 'outside', `${name}: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(await files.resolve('nope.png'), { refused: 'missing' });
  const near = await files.resolve('near.png');
  assert.ok(!isRefusal(near) && near.real.endsWith(path.join('img', '0000.png')));
  execFileSync('mkfifo', [path.join(store.folder, 'pipe.png')]);
  assert.deepEqual(await files.resolve('pipe.png'), { refused: 'not-a-file' });
  // Resolved as a plain file, then replaced by a link out before it is read.
  const checked = await files.resolve('img/0001.png');
  assert.ok(!isRefusal(checked));
  await fs.rm(path.join(store.folder, 'img', '0001.png'));
  await fs.symlink(path.join(path.dirname(await fs.realpath(path.join(store.folder, 'leak.png'))), 'secret.png'), path.join(store.folder, 'img', '0001.png'));
  await assert.rejects(files.openFile(checked), (err: NodeJS.ErrnoException) => err.code === 'ELOOP');
  const reread = await (await DatasetFolder.open(store.folder)).read('img/0001.png', 1 << 20);
  assert.ok(isRefusal(reread) && reread.refused === 'outside', JSON.stringify(reread));
  const followed = await (await DatasetFolder.open(store.folder, { followExternalLinks: true })).read('img/0001.png', 1 << 20);
  assert.ok(Buffer.isBuffer(followed) && followed.includes(MARKER));
});

test('recaption push of a dataset uploads no byte from outside it, and names what it left out', async () => {
  const token = 'hf_linksTestToken0123456789';
  const store = await datasetWithLinks();
  const tmp = await tempDir('push-tmp');
  const server = await startHubTestServer({ token, user: 'tester' });
  try {
    const run = async (...args: string[]) =>
      captureStderr(async () => {
        try {
          return await createPushCommand({ env: { HF_TOKEN: token, HF_ENDPOINT: server.url }, tmpdir: () => tmp, stdout: () => undefined }).run(args);
        } catch (err) {
          if (err instanceof CliError) return err;
          throw err;
        }
      });
    for (const format of ['parquet', 'hf'] as const) {
      const repo = `tester/links-${format}`;
      const { value, stderr } = await run(store.folder, '--repo', repo, '--profile', 'ssc', '--format', format);
      assert.equal(value, 0, stderr);
      const pushed = server.repo(repo)!.files;
      assert.deepEqual([...pushed].filter(([, bytes]) => bytes.includes(MARKER)).map(([name]) => name), [], `${format}: nothing from outside on the Hub`);
      assert.match(stderr, /warning: leak\.png leads to .*secret\.png, outside the dataset folder/);
      assert.match(stderr, /warning: elsewhere\/far\.png leads to/);
    }
    const followed = await run(store.folder, '--repo', 'tester/links-followed', '--profile', 'ssc', '--follow-external-links');
    assert.equal(followed.value, 0, followed.stderr);
    assert.ok([...server.repo('tester/links-followed')!.files.values()].some((bytes) => bytes.includes(MARKER)), 'followed when asked');
  } finally {
    await server.close();
  }
});

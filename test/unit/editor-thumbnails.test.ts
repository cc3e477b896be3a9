// Thumbnails for the caption editor: made once with sharp into a cache folder outside the dataset.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { THUMB_SIZE, ThumbnailCache } from '../../src/extension/editor/thumbnails.js';
import { emptyRecord } from '../../src/shared/record.js';

test('makes a bounded webp once, reuses it, and returns null for an unreadable image', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rc-thumbs-'));
  const dataset = path.join(root, 'data');
  await fs.mkdir(path.join(dataset, 'sub'), { recursive: true });
  await sharp({ create: { width: 900, height: 300, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toFile(path.join(dataset, 'sub/wide.jpg'));
  await fs.writeFile(path.join(dataset, 'broken.png'), 'not an image');
  const cache = new ThumbnailCache(path.join(root, 'cache'));
  const record = { ...emptyRecord('sub/wide.jpg'), sha256: 'ab'.repeat(32) };

  assert.equal(await cache.cached(dataset, record), null);
  const file = await cache.get(dataset, record);
  assert.ok(file && file.startsWith(path.join(root, 'cache')), 'written under the cache folder, not the dataset');
  const meta = await sharp(file).metadata();
  assert.equal(meta.format, 'webp');
  assert.equal(meta.width, THUMB_SIZE);
  assert.equal(meta.height, Math.round((THUMB_SIZE * 300) / 900));
  const { mtimeMs } = await fs.stat(file);
  assert.equal(await cache.get(dataset, record), file);
  assert.equal((await fs.stat(file)).mtimeMs, mtimeMs, 'made once');
  assert.equal(await cache.cached(dataset, record), file);
  assert.deepEqual(await fs.readdir(dataset), ['broken.png', 'sub'], 'nothing written into the dataset');

  assert.equal(await cache.get(dataset, emptyRecord('broken.png')), null);
  await fs.rm(root, { recursive: true, force: true });
});

test('no thumbnail of an image that leads outside its dataset (a link made after the scan)', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rc-thumbs-'));
  const dataset = path.join(root, 'data');
  await fs.mkdir(path.join(dataset, 'linked'), { recursive: true });
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 0, b: 0 } } }).png().toFile(path.join(root, 'private.png'));
  await fs.symlink(path.join(root, 'private.png'), path.join(dataset, 'out.png'));
  await fs.symlink(root, path.join(dataset, 'linked', 'up'));
  await fs.copyFile(path.join(root, 'private.png'), path.join(dataset, 'in.png'));
  await fs.symlink('in.png', path.join(dataset, 'alias.png'));
  const cache = new ThumbnailCache(path.join(root, 'cache'));
  assert.equal(await cache.get(dataset, { ...emptyRecord('out.png'), sha256: 'aa'.repeat(32) }), null);
  assert.equal(await cache.get(dataset, { ...emptyRecord('linked/up/private.png'), sha256: 'bb'.repeat(32) }), null);
  assert.ok(await cache.get(dataset, { ...emptyRecord('alias.png'), sha256: 'cc'.repeat(32) }), 'a link inside the dataset is fine');
  await fs.rm(root, { recursive: true, force: true });
});

test('a thumbnail looked for and not found is not looked for on disk again; one made meanwhile by another window is found when asked for', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rc-thumbs-unmade-'));
  const dataset = path.join(root, 'data');
  await fs.mkdir(dataset, { recursive: true });
  await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 20, b: 30 } } }).png().toFile(path.join(dataset, 'a.png'));
  const record = { ...emptyRecord('a.png'), sha256: 'cd'.repeat(32) };
  const here = new ThumbnailCache(path.join(root, 'cache'));
  const elsewhere = new ThumbnailCache(path.join(root, 'cache'));

  assert.equal(await here.cached(dataset, record), null);
  const made = await elsewhere.get(dataset, record);
  assert.ok(made);
  const { mtimeMs } = await fs.stat(made);
  // Remembered as not made: a page of the list asks the disk nothing for it.
  assert.equal(await here.cached(dataset, record), null);
  // Asked to make it, this window finds it on disk and does not make it again.
  assert.equal(await here.get(dataset, record), made);
  assert.equal((await fs.stat(made)).mtimeMs, mtimeMs);
  assert.equal(await here.cached(dataset, record), made);
  await fs.rm(root, { recursive: true, force: true });
});

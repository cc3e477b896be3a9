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

// Files that are not what a manifest says: a FIFO listed as an image used to hang captioning forever (and
// hold an editor thumbnail slot for good); a huge file was read whole into memory by the scan, once per
// link to it. Now the type is checked on a non-blocking open, the size against a limit, and a large file is
// hashed in chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { probeImage } from '../../src/core/dataset/image-probe.js';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { ThumbnailCache } from '../../src/extension/editor/thumbnails.js';
import { emptyRecord } from '../../src/shared/record.js';
import { tinyFlorence, tempDir, removeDir, writeImage, RED } from './captioner-fixture.js';

const canFifo = process.platform !== 'win32';

/** Fails the test instead of hanging it. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms`)), ms).unref())]);
}

test('a FIFO named as an image: the probe, a captioning run and a thumbnail all return with an error', { skip: !canFifo && 'no FIFOs here' }, async () => {
  const dir = await tempDir();
  try {
    await writeImage(path.join(dir, 'real.png'), RED);
    execFileSync('mkfifo', [path.join(dir, 'pipe.png')]);
    const probe = await within(5000, probeImage(path.join(dir, 'pipe.png')), 'the probe');
    assert.match(probe.error!, /named pipe \(FIFO\), not an image file/);

    const store = await ManifestStore.open(dir);
    for (const name of ['pipe.png', 'real.png']) store.put({ ...emptyRecord(name), width: 32, height: 32, sha256: 'a'.repeat(64) });
    const backend = await tinyFlorence();
    try {
      const summary = await within(20_000, runCaptioning({ folder: dir, store, backend, checkpoint: false }), 'the captioning run');
      assert.equal(summary.errors, 1);
      assert.match(store.get('pipe.png')!.error!, /FIFO/);
      assert.ok(store.get('real.png')!.dsc, 'the run went on to the next image');
    } finally {
      await backend.dispose();
    }

    const thumbs = new ThumbnailCache(path.join(dir, '.thumbs'));
    assert.equal(await within(5000, thumbs.get(dir, store.get('pipe.png')!), 'the thumbnail'), null);
  } finally {
    await removeDir(dir);
  }
});

test('an image over the byte limit is refused by its size, with the setting to change', async () => {
  const dir = await tempDir();
  try {
    await writeImage(path.join(dir, 'a.png'), RED);
    const size = (await fs.stat(path.join(dir, 'a.png'))).size;
    const probe = await probeImage(path.join(dir, 'a.png'), { maxBytes: size - 1 });
    assert.match(probe.error!, /over the limit of .* MB for one image \(setting recaption\.maxImageBytes, --max-bytes\)/);
    const { store } = await scanDataset(dir, { save: false, maxBytes: size - 1 });
    assert.match(store.get('a.png')!.error!, /over the limit/);
  } finally {
    await removeDir(dir);
  }
});

test('a file larger than the in-memory tier is hashed in chunks and probed from disk, with the same hash', async () => {
  const dir = await tempDir();
  try {
    // A real JPEG followed by 70 MB of padding (trailing data after the image, as some tools write).
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toBuffer();
    const file = path.join(dir, 'big.jpg');
    await fs.writeFile(file, Buffer.concat([jpeg, Buffer.alloc(70 << 20, 0)]));
    const probe = await probeImage(file);
    assert.equal(probe.error, null);
    assert.equal(probe.width, 40);
    assert.equal(probe.height, 30);
    assert.equal(probe.sha256, createHash('sha256').update(await fs.readFile(file)).digest('hex'));
  } finally {
    await removeDir(dir);
  }
});

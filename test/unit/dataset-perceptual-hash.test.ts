// The perceptual hash: bit patterns worked out by hand from the DCT of simple images, near-identical
// images close and different ones far, and a file that does not decode gets no hash and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { hammingDistance, perceptualHash, phashOfPixels } from '../../src/core/dataset/perceptual-hash.js';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { DEFAULT_MAX_PIXELS } from '../../src/core/limits.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const grid = (value: (x: number, y: number) => number) => Uint8Array.from({ length: 1024 }, (_, i) => value(i % 32, Math.floor(i / 32)));

test('hand-worked bit patterns: flat, bright-left and bright-top images', () => {
  // Flat: every coefficient but the DC is 0, the median is 0, only the DC bit is set.
  assert.equal(phashOfPixels(grid(() => 128)), '8000000000000000');
  // Falling left to right: row v = 0 only; the odd frequencies u = 1, 3, 5, 7 are positive, the even 0.
  // Bits 0, 1, 3, 5, 7 of the first row: 1101 0101.
  assert.equal(phashOfPixels(grid((x) => (31 - x) * 8)), 'd500000000000000');
  // Rising left to right: the odd ones are negative, only the DC is above the median.
  assert.equal(phashOfPixels(grid((x) => x * 8)), '8000000000000000');
  // Falling top to bottom: column u = 0, frequencies v = 1, 3, 5, 7 → bits 0, 8, 24, 40, 56.
  assert.equal(phashOfPixels(grid((_x, y) => (31 - y) * 8)), '8080008000800080');
  assert.throws(() => phashOfPixels(new Uint8Array(10)), /32×32/);
});

test('Hamming distance counts differing bits', () => {
  assert.equal(hammingDistance('0000000000000000', '0000000000000000'), 0);
  assert.equal(hammingDistance('ffffffffffffffff', '0000000000000000'), 64);
  assert.equal(hammingDistance('8000000000000001', '0000000000000000'), 2);
});

/** A picture with structure: a few shapes on a gradient (a flat image hashes like any other flat one). */
async function picture(seed: number): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inBox = (x - 60 * seed) % 200 < 90 && (y + 40 * seed) % 160 < 70;
      data[i] = inBox ? 230 : (x * 255) / width;
      data[i + 1] = inBox ? 40 * seed : (y * 255) / height;
      data[i + 2] = (x + y + seed * 50) % 256;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

test('a resized, recompressed copy is a few bits away; a different picture is far', async () => {
  const original = await picture(1);
  const copy = await sharp(original).resize(160).jpeg({ quality: 60 }).toBuffer();
  const other = await picture(2);
  const a = await perceptualHash(original, DEFAULT_MAX_PIXELS);
  const b = await perceptualHash(copy, DEFAULT_MAX_PIXELS);
  const c = await perceptualHash(other, DEFAULT_MAX_PIXELS);
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.ok(hammingDistance(a, b) <= 4, `copy at ${hammingDistance(a, b)}`);
  assert.ok(hammingDistance(a, c) >= 12, `other at ${hammingDistance(a, c)}`);
  // Transparency does not change the hash of what is drawn.
  const withAlpha = await sharp(original).ensureAlpha().png().toBuffer();
  assert.equal(await perceptualHash(withAlpha, DEFAULT_MAX_PIXELS), a);
});

test('scan records phash; a truncated image gets none, with the reason; old records get one on the next scan', async () => {
  const dir = await makeTempDir();
  try {
    const png = await picture(1);
    await fs.writeFile(path.join(dir, 'good.png'), png);
    const jpeg = await sharp(png).jpeg().toBuffer();
    await fs.writeFile(path.join(dir, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const { store } = await scanDataset(dir);
    assert.equal(store.get('good.png')!.phash, await perceptualHash(png, DEFAULT_MAX_PIXELS));
    assert.equal(store.get('cut.jpg')!.phash, undefined);
    assert.match(store.get('cut.jpg')!.error!, /cannot decode image \(truncated or corrupt\)/);
    // A manifest from before phash: the unchanged image is hashed on the next scan.
    const record = store.get('good.png')!;
    delete record.phash;
    store.put({ ...record });
    await store.save();
    store.close();
    const again = await scanDataset(dir);
    assert.equal(again.store.get('good.png')!.phash, await perceptualHash(png, DEFAULT_MAX_PIXELS));
    again.store.close();
    // Without phash (the fast first scan): no hash, and the truncated file is still caught (its trailer).
    await fs.rm(path.join(dir, 'recaption.jsonl'));
    const fast = await scanDataset(dir, { phash: false });
    assert.equal(fast.store.get('good.png')!.phash, undefined);
    assert.match(fast.store.get('cut.jpg')!.error!, /cannot decode image/);
    fast.store.close();
  } finally {
    await removeDir(dir);
  }
});

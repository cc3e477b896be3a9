// The manifest part's input: a generated manifest of n records, written once per size into bench/out and
// reused while its stamp matches. Its images are hard links to one small JPEG: an export checks that each
// image is there, and a million links cost inodes, not a million files' data.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import sharp from 'sharp';
import { syntheticFileName, writeSyntheticManifest } from '../../scripts/lib/synthetic-manifest.js';
import { mapConcurrent } from '../../src/core/util/map-concurrent.js';

/** Writes `folder/recaption.jsonl` with `records` records unless it is there already; returns its MiB. */
export async function ensureSyntheticManifest(folder: string, records: number): Promise<number> {
  const file = path.join(folder, MANIFEST_NAME);
  const stampFile = path.join(folder, 'bench-stamp.json');
  const stamp = JSON.stringify({ records, version: 2 });
  const existing = await fs.readFile(stampFile, 'utf8').catch(() => null);
  const size = await fs.stat(file).then((s) => s.size, () => null);
  if (existing !== stamp || size === null) {
    await fs.mkdir(folder, { recursive: true });
    await writeSyntheticManifest(file, records);
    await linkImages(folder, records);
    await fs.writeFile(stampFile, stamp);
  }
  return (await fs.stat(file)).size / 2 ** 20;
}

/** Links per original: file systems cap an inode's links (ext4 at 65,000). */
const LINKS_PER_ORIGINAL = 50_000;

async function linkImages(folder: string, records: number): Promise<void> {
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 90, b: 60 } } }).jpeg().toBuffer();
  const originals = Math.ceil(records / LINKS_PER_ORIGINAL);
  for (let k = 0; k < originals; k++) await fs.writeFile(path.join(folder, `original-${k}.jpg`), jpeg);
  const names = Array.from({ length: records }, (_, i) => syntheticFileName(i));
  for (const dir of new Set(names.map((n) => path.dirname(n)))) await fs.mkdir(path.join(folder, dir), { recursive: true });
  await mapConcurrent(names, 16, async (name, i) => {
    const original = path.join(folder, `original-${Math.floor(i / LINKS_PER_ORIGINAL)}.jpg`);
    await fs.link(original, path.join(folder, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  });
}

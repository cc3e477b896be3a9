// The data part's manifest: n records with the captions a captioned dataset has (scaleRecord: alt-text,
// SSC, a DSC of 45-110 words, a mix of authors and review states) in <folder>/recaption.jsonl, as the CLI
// reads it, and an image for every record. The images are hard links to one small JPEG (a million links
// cost inodes, not a million files' data): an export checks each image is there, and nothing here decodes
// them. Each record has its own content hash, as distinct photos would. Written once per size, reused.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { mapConcurrent } from '../../src/core/util/map-concurrent.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { scaleFileName, scaleRecord } from './scale-dataset.js';

const STAMP = 'bench-stamp.json';
/** File systems cap one inode's links (ext4 at 65,000). */
const LINKS_PER_ORIGINAL = 50_000;
const LINES_PER_WRITE = 5000;

export interface DataManifest {
  folder: string;
  records: number;
  manifestBytes: number;
  /** Null when an earlier run's set was reused. */
  generatedSeconds: number | null;
}

export async function ensureDataManifest(folder: string, records: number, onProgress?: (done: number) => void): Promise<DataManifest> {
  const stamp = JSON.stringify({ records, version: 1 });
  const manifest = path.join(folder, MANIFEST_NAME);
  const done = async (generatedSeconds: number | null): Promise<DataManifest> => ({ folder, records, manifestBytes: (await fs.stat(manifest)).size, generatedSeconds });
  if ((await fs.readFile(path.join(folder, STAMP), 'utf8').catch(() => null)) === stamp) return done(null);

  const started = performance.now();
  await fs.rm(folder, { recursive: true, force: true });
  await fs.mkdir(folder, { recursive: true });
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 90, b: 60 } } }).jpeg().toBuffer();
  const out = await fs.open(manifest, 'w');
  try {
    let lines: string[] = [];
    for (let i = 0; i < records; i++) {
      const sha = createHash('sha256').update(`recaption data bench ${i}`).digest('hex');
      lines.push(serializeRecord(scaleRecord(i, { width: 64, height: 48 }, sha, jpeg.length)));
      if (lines.length === LINES_PER_WRITE || i === records - 1) {
        await out.write(lines.join('\n') + '\n');
        lines = [];
        onProgress?.(i + 1);
      }
    }
  } finally {
    await out.close();
  }
  await linkImages(folder, records, jpeg);
  await fs.writeFile(path.join(folder, STAMP), stamp);
  return done((performance.now() - started) / 1000);
}

async function linkImages(folder: string, records: number, jpeg: Buffer): Promise<void> {
  const originals = path.join(folder, '.originals');
  await fs.mkdir(originals, { recursive: true });
  for (let k = 0; k < Math.ceil(records / LINKS_PER_ORIGINAL); k++) await fs.writeFile(path.join(originals, `${k}.jpg`), jpeg);
  const names = Array.from({ length: records }, (_, i) => scaleFileName(i));
  for (const dir of new Set(names.map((n) => path.dirname(n)))) await fs.mkdir(path.join(folder, dir), { recursive: true });
  await mapConcurrent(names, 16, (name, i) => fs.link(path.join(originals, `${Math.floor(i / LINKS_PER_ORIGINAL)}.jpg`), path.join(folder, name)));
}

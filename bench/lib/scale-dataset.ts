// The dataset-scale fixture: a folder of N small generated JPEGs (part000/000000.jpg ..., 1000 per folder)
// and a manifest of N records with realistic caption lengths for them. Every file is distinct: a few
// hundred base images are rendered by sharp, and each file is a base image with its own index written into
// a JPEG comment segment (distinct bytes and sha256, still a valid JPEG), which makes 250,000 files in
// seconds instead of minutes of encoding. Generated once into bench/out and reused while the stamp matches.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import sharp from 'sharp';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

export const SCALE_MANIFEST = 'bench-manifest.jsonl';
const BASES = 256;
const PER_FOLDER = 1000;

export function scaleFileName(i: number): string {
  return `part${String(Math.floor(i / PER_FOLDER)).padStart(3, '0')}/${String(i).padStart(6, '0')}.jpg`;
}


async function baseImages(): Promise<{ jpeg: Buffer; width: number; height: number }[]> {
  const out: { jpeg: Buffer; width: number; height: number }[] = [];
  for (let i = 0; i < BASES; i++) {
    const rand = seededRandom(i + 1);
    const width = 64 + (i % 4) * 16;
    const height = 48 + (i % 3) * 16;
    const c = () => Math.floor(rand() * 256);
    const jpeg = await sharp({ create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 60 + (i % 8) * 20, sigma: 25 } } })
      .composite([{ input: { create: { width: width >> 1, height: height >> 1, channels: 3, background: { r: c(), g: c(), b: c() } } }, left: i % 16, top: i % 12 }])
      .jpeg({ quality: 80 })
      .toBuffer();
    out.push({ jpeg, width, height });
  }
  return out;
}

/** The base JPEG with a COM segment holding `tag` right after SOI. */
function withComment(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag, 'latin1');
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(2 + text.length, 2);
  text.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

const NOUNS = ['harbour', 'street', 'kitchen', 'forest', 'portrait', 'mountain', 'market', 'beach', 'library', 'garden', 'station', 'bridge'];
const ADJ = ['quiet', 'crowded', 'sunlit', 'misty', 'colourful', 'old', 'modern', 'narrow', 'wide', 'warm'];
const FILL = 'with small wooden boats moored along a stone pier while gulls circle above the water and warm lights glow in the windows of the houses on the hill behind them , a woman in a red coat walks a dog past a row of parked bicycles and the sky fades from orange to deep blue over the rooftops'.split(' ');

function words(rand: () => number, n: number): string {
  const out: string[] = [];
  let at = Math.floor(rand() * FILL.length);
  for (let k = 0; k < n; k++) out.push(FILL[(at++) % FILL.length]!);
  return out.join(' ');
}

function caption(text: string, rand: () => number, at: string): Caption {
  const roll = rand();
  const by = roll < 0.85 ? 'model' : 'human';
  const review = roll < 0.5 ? null : roll < 0.9 ? 'approved' : 'rejected';
  const c: Caption = { text, by, at, review, model: 'microsoft/Florence-2-base-ft' };
  if (by === 'human') c.original = text.split(' ').slice(1).join(' ');
  return c;
}

/**
 * One record as a captioned dataset has it: alt-text of a scraped image (~60 chars), an SSC of 8-14
 * words (~70 chars) and a DSC of 45-110 words (~300-700 chars, Florence-2 <MORE_DETAILED_CAPTION> length),
 * with a mix of authors and review states. A few records have no DSC yet, a few an error.
 */
export function scaleRecord(i: number, base: { width: number; height: number }, sha256: string, bytes: number): ManifestRecord {
  const rand = seededRandom(0x5eed + i);
  const at = '2026-11-20T10:00:00.000Z';
  const noun = NOUNS[i % NOUNS.length]!;
  const adj = ADJ[Math.floor(rand() * ADJ.length)]!;
  const record: ManifestRecord = {
    ...emptyRecord(scaleFileName(i)),
    width: base.width,
    height: base.height,
    sha256,
    alt: { text: `${adj} ${noun} photo ${i}, stock image, high resolution`, source: 'sidecar' },
    ssc: caption(`a ${adj} ${noun} ${words(rand, 6 + Math.floor(rand() * 7))}`, rand, at),
    dsc: rand() < 0.97 ? caption(`The image shows a ${adj} ${noun} ${words(rand, 45 + Math.floor(rand() * 65))}.`, rand, at) : null,
    error: rand() < 0.002 ? 'cannot decode image (truncated or corrupt): VipsJpeg: premature end of input file' : null,
  };
  record.bytes = bytes;
  return record;
}

export interface ScaleDataset {
  folder: string;
  records: number;
  manifestMiB: number;
  imagesMiB: number;
  generatedSeconds: number | null;
}

/** Writes N images and the manifest for them into `folder` unless a matching set is there. */
export async function ensureScaleDataset(folder: string, records: number, onProgress?: (done: number) => void): Promise<ScaleDataset> {
  const stampFile = path.join(folder, 'bench-stamp.json');
  const stamp = JSON.stringify({ records, version: 1 });
  const manifestFile = path.join(folder, SCALE_MANIFEST);
  const sizes = async (generatedSeconds: number | null): Promise<ScaleDataset> => {
    const stamped = JSON.parse(await fs.readFile(stampFile, 'utf8')) as { imageBytes: number };
    return { folder, records, manifestMiB: (await fs.stat(manifestFile)).size / 2 ** 20, imagesMiB: stamped.imageBytes / 2 ** 20, generatedSeconds };
  };
  const existing = await fs.readFile(stampFile, 'utf8').catch(() => null);
  if (existing && (JSON.parse(existing) as { key: string }).key === stamp) return sizes(null);

  const started = performance.now();
  await fs.rm(folder, { recursive: true, force: true });
  await fs.mkdir(folder, { recursive: true });
  const bases = await baseImages();
  const manifest = await fs.open(manifestFile, 'w');
  let imageBytes = 0;
  const lines: string[] = [];
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < records; i++) {
    if (i % PER_FOLDER === 0) await fs.mkdir(path.join(folder, path.dirname(scaleFileName(i))), { recursive: true });
    const base = bases[i % BASES]!;
    const data = withComment(base.jpeg, `recaption bench ${i}`);
    imageBytes += data.length;
    const sha = createHash('sha256').update(data).digest('hex');
    lines.push(serializeRecord(scaleRecord(i, base, sha, data.length)));
    inFlight.push(fs.writeFile(path.join(folder, scaleFileName(i)), data));
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
    if (lines.length >= 5000) {
      await manifest.write(lines.join('\n') + '\n');
      lines.length = 0;
      onProgress?.(i + 1);
    }
  }
  await Promise.all(inFlight);
  if (lines.length) await manifest.write(lines.join('\n') + '\n');
  await manifest.close();
  await fs.writeFile(stampFile, JSON.stringify({ key: stamp, imageBytes }));
  return sizes((performance.now() - started) / 1000);
}

/**
 * A folder that holds the first `images` images of the scale dataset, as symbolic links to its part
 * folders (the scanner follows them), so a scan can be measured on a slice without copying files.
 */
export async function ensureScanSlice(outRoot: string, dataset: string, records: number, images: number): Promise<string> {
  if (images >= records) return dataset;
  const folders = Math.ceil(images / PER_FOLDER);
  const slice = path.join(outRoot, `scan-${folders * PER_FOLDER}-of-${records}`);
  await fs.rm(slice, { recursive: true, force: true });
  await fs.mkdir(slice, { recursive: true });
  for (let f = 0; f < folders; f++) {
    const part = path.dirname(scaleFileName(f * PER_FOLDER));
    await fs.symlink(path.join(dataset, part), path.join(slice, part), 'dir');
  }
  return slice;
}

// The data part's photos: `count` distinct 1024×768 JPEGs that decode and compress as photos do (a
// gradient, shapes, film grain; about 66 KiB each at quality 85), in a dataset folder with a captioned
// manifest, and what the import and perceptual-hash rows start from, made once with the CLI under test:
//   template.jsonl  the manifest as `recaption scan --no-phash` leaves it (copied in before each `dedup`)
//   parquet/        `recaption export --format parquet` of the photos, images embedded (one file)
//   webdataset/     `recaption export --format webdataset` of the same (tar shards of 1,000)
// Reused while the stamp matches.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { mapConcurrent } from '../../src/core/util/map-concurrent.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { runCli } from './whole-process.js';

const WIDTH = 1024;
const HEIGHT = 768;
/** Grain textures shared by the photos: making the noise is most of a photo's cost. */
const GRAINS = 8;
const SHAPES = 12;

export interface PhotoSet {
  /** The dataset folder: the JPEGs and recaption.jsonl. */
  photos: string;
  names: string[];
  imageBytes: number;
  /** The manifest of a scan without perceptual hashes. */
  template: string;
  /** The Parquet file and the folder of WebDataset shards that the import rows read. */
  parquet: string;
  parquetBytes: number;
  webdataset: string;
  webdatasetBytes: number;
  generatedSeconds: number | null;
}

function svgScene(rand: () => number): string {
  const colour = () => `rgb(${Math.floor(rand() * 256)},${Math.floor(rand() * 256)},${Math.floor(rand() * 256)})`;
  let shapes = '';
  for (let k = 0; k < SHAPES; k++) {
    const x = Math.floor(rand() * WIDTH);
    const y = Math.floor(rand() * HEIGHT);
    const r = Math.floor(30 + rand() * 200);
    shapes +=
      rand() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour()}" fill-opacity="0.7"/>`
        : `<rect x="${x - r}" y="${y - r / 2}" width="${2 * r}" height="${r}" fill="${colour()}" fill-opacity="0.7"/>`;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="${colour()}"/><stop offset="1" stop-color="${colour()}"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${shapes}</svg>`
  );
}

async function writePhotos(folder: string, names: readonly string[]): Promise<void> {
  const grains = await Promise.all(
    Array.from({ length: GRAINS }, (_, g) =>
      sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 8 + g } } }).raw().toBuffer(),
    ),
  );
  await mapConcurrent(names, os.cpus().length, (name, i) =>
    sharp(Buffer.from(svgScene(seededRandom(7000 + i))))
      .composite([{ input: grains[i % GRAINS]!, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: 'soft-light' }])
      .jpeg({ quality: 85 })
      .toFile(path.join(folder, name))
      .then(() => undefined),
  );
}

/** Records with an alt-text and an approved DSC, so an export has a caption for every photo. */
async function writeCaptionedManifest(folder: string, names: readonly string[]): Promise<void> {
  const lines = names.map((name, i) =>
    serializeRecord({
      ...emptyRecord(name),
      alt: { text: `generated photo ${i}`, source: 'sidecar' },
      dsc: { text: `A generated photo of shapes on a gradient, number ${i}.`, by: 'model', model: 'bench', at: '2026-01-01T00:00:00.000Z', review: 'approved' },
    }),
  );
  await fs.writeFile(path.join(folder, MANIFEST_NAME), lines.join('\n') + '\n');
}

async function sizeOfTree(dir: string, ext: string): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.push(file);
    bytes += (await fs.stat(file)).size;
  }
  return { files: files.sort(), bytes };
}

export async function ensurePhotoSet(root: string, count: number, cli: string, onProgress?: (line: string) => void): Promise<PhotoSet> {
  const stampFile = path.join(root, 'bench-stamp.json');
  const stamp = JSON.stringify({ count, width: WIDTH, height: HEIGHT, version: 1 });
  const photos = path.join(root, 'photos');
  const names = Array.from({ length: count }, (_, i) => `${String(i).padStart(5, '0')}.jpg`);
  const describe = async (generatedSeconds: number | null): Promise<PhotoSet> => {
    const parquet = await sizeOfTree(path.join(root, 'parquet'), '.parquet');
    const tars = await sizeOfTree(path.join(root, 'webdataset'), '.tar');
    if (parquet.files.length !== 1) throw new Error(`expected one Parquet file in ${root}/parquet, found ${parquet.files.length}`);
    return {
      photos,
      names,
      imageBytes: (await sizeOfTree(photos, '.jpg')).bytes,
      template: path.join(root, 'template.jsonl'),
      parquet: parquet.files[0]!,
      parquetBytes: parquet.bytes,
      // The import takes the folder of shards (every .tar in it).
      webdataset: path.dirname(tars.files[0]!),
      webdatasetBytes: tars.bytes,
      generatedSeconds,
    };
  };
  if ((await fs.readFile(stampFile, 'utf8').catch(() => null)) === stamp) return describe(null);

  const started = performance.now();
  await fs.rm(root, { recursive: true, force: true });
  await fs.mkdir(photos, { recursive: true });
  onProgress?.(`writing ${count} ${WIDTH}×${HEIGHT} JPEGs`);
  await writePhotos(photos, names);
  await writeCaptionedManifest(photos, names);
  onProgress?.('scan --no-phash, export parquet and webdataset');
  await runCli(cli, ['scan', photos, '--no-phash']);
  await fs.copyFile(path.join(photos, MANIFEST_NAME), path.join(root, 'template.jsonl'));
  const common = ['--profile', 'dsc', '--val', '0', '--images', 'copy', '--seed', '1'];
  await runCli(cli, ['export', photos, ...common, '--format', 'parquet', '--out', path.join(root, 'parquet')]);
  await runCli(cli, ['export', photos, ...common, '--format', 'webdataset', '--out', path.join(root, 'webdataset')]);
  await fs.writeFile(stampFile, stamp);
  return describe((performance.now() - started) / 1000);
}

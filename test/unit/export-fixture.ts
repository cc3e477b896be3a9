// Generated datasets for the export tests: real image files written by sharp, records through the store.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, type ManifestRecord, type ReviewState } from '../../src/shared/record.js';

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `recaption-${prefix}-`));
}

export interface FixtureImage {
  fileName: string;
  alt?: string | null;
  ssc?: string | null;
  dsc?: string | null;
  sscReview?: ReviewState;
  dscReview?: ReviewState;
  /** Written by a person instead of the model. */
  human?: boolean;
  error?: string;
  /** Record only: no file on disk. */
  noFile?: boolean;
  extra?: Partial<ManifestRecord>;
}

/** A 4x4 PNG whose colour depends on the index, so every image has distinct bytes. */
export async function writeImage(file: string, index: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const format = file.endsWith('.jpg') ? 'jpeg' : 'png';
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: index % 256, g: (index * 7) % 256, b: (index * 13) % 256 } } })
    .toFormat(format)
    .toFile(file);
}

export async function addImages(store: ManifestStore, images: readonly FixtureImage[], startIndex = 0): Promise<void> {
  let index = startIndex;
  for (const image of images) {
    if (!image.noFile) await writeImage(path.join(store.folder, image.fileName), index++);
    store.put({
      ...emptyRecord(image.fileName),
      width: 4,
      height: 4,
      sha256: `hash-${image.fileName}`,
      alt: image.alt ? { text: image.alt, source: 'sidecar' } : null,
      ...(image.extra ?? {}),
    });
    for (const kind of ['ssc', 'dsc'] as const) {
      const text = image[kind];
      if (text === undefined || text === null) continue;
      if (image.human) store.writeHumanCaption(image.fileName, kind, text);
      else store.writeMachineCaption(image.fileName, kind, { text, by: 'model', model: 'test-model', at: '2026-01-01T00:00:00Z' });
      const review = kind === 'ssc' ? image.sscReview : image.dscReview;
      if (review !== undefined && review !== null) store.setReview(image.fileName, kind, review);
    }
    if (image.error) store.setError(image.fileName, image.error);
  }
}

/** n ordinary images, all with alt, SSC and DSC, all approved. */
export function approvedImages(n: number, prefix = 'img', start = 0): FixtureImage[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    return {
      fileName: `${prefix}/${String(i).padStart(4, '0')}.png`,
      alt: `alt ${i}`,
      ssc: `short ${i}`,
      dsc: `A long description of image ${i}.`,
      sscReview: 'approved' as const,
      dscReview: 'approved' as const,
    };
  });
}

export async function makeDataset(images: readonly FixtureImage[]): Promise<ManifestStore> {
  const folder = await tempDir('dataset');
  const store = await ManifestStore.open(folder);
  await addImages(store, images);
  await store.save();
  return store;
}

/** Every file under a folder, relative POSIX path → contents. */
export async function readTree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), relPath);
      else out.set(relPath, await fs.readFile(path.join(dir, entry.name)));
    }
  };
  await walk(root, '');
  return out;
}

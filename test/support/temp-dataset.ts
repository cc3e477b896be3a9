// Real files in temporary folders for tests: images written by sharp, text files, cleanup.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { MANIFEST_NAME } from '../../src/shared/record.js';

export async function makeTempDir(prefix = 'recaption-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Runs `run` on a temporary folder holding `text` as its recaption.jsonl, then removes the folder. */
export async function withManifest(text: string | Uint8Array, run: (dir: string, file: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir();
  const file = path.join(dir, MANIFEST_NAME);
  await fs.writeFile(file, text);
  try {
    await run(dir, file);
  } finally {
    await removeDir(dir);
  }
}

export type Rgb = { r: number; g: number; b: number };

/** Writes a solid-colour image; the format follows the extension. Returns the absolute path. */
export async function writeImage(
  root: string,
  rel: string,
  options: { width?: number; height?: number; color?: Rgb | string; orientation?: number } = {},
): Promise<string> {
  const abs = path.join(root, ...rel.split('/'));
  await fs.mkdir(path.dirname(abs), { recursive: true });
  let image = sharp({
    create: { width: options.width ?? 24, height: options.height ?? 16, channels: 3, background: options.color ?? { r: 200, g: 30, b: 30 } },
  });
  const ext = path.extname(rel).toLowerCase();
  if (ext === '.png') image = image.png();
  else if (ext === '.webp') image = image.webp();
  else if (ext === '.gif') image = image.gif();
  else if (ext === '.tif' || ext === '.tiff') image = image.tiff();
  else if (ext === '.avif') image = image.avif();
  else image = image.jpeg();
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  await fs.writeFile(abs, await image.toBuffer());
  return abs;
}

export async function writeText(root: string, rel: string, content: string | Uint8Array): Promise<string> {
  const abs = path.join(root, ...rel.split('/'));
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, content);
  return abs;
}

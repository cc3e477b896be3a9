// Shared by the captioner tests: the tiny models, coloured test images, a dataset folder with a manifest.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createLocalBackend, type LocalCaptionBackend } from '../../src/core/captioner/local/local-backend.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord } from '../../src/shared/record.js';

export const TINY_FLORENCE2 = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-florence2');
export const TINY_VIT_GPT2 = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-vit-gpt2');

export type Rgb = readonly [number, number, number];
export const RED: Rgb = [210, 30, 20];
export const GREEN: Rgb = [20, 180, 40];
export const BLUE: Rgb = [30, 40, 220];
export const GRAY: Rgb = [128, 128, 128];
/** Which word the scripted models say for each colour above. */
export const COLOUR_WORD = new Map<Rgb, string>([[RED, 'red'], [GREEN, 'green'], [BLUE, 'blue'], [GRAY, 'gray']]);

export async function tempDir(prefix = 'recaption-cap-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** A mostly-`rgb` image with a stripe of another colour, so the model has to average. */
export async function writeImage(file: string, rgb: Rgb, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const [r, g, b] = rgb;
  const stripe = await sharp({ create: { width: 8, height: 48, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } } }).png().toBuffer();
  const image = sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).composite([{ input: stripe, left: 0, top: 0 }]);
  await (format === 'png' ? image.png() : image.jpeg()).toFile(file);
}

/** A folder of images named 00.png, 01.png ... cycling through `colours`, with a saved manifest. */
export async function makeDataset(dir: string, count: number, colours: readonly Rgb[] = [RED, GREEN, BLUE, GRAY]): Promise<string[]> {
  const store = await ManifestStore.open(dir);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${String(i).padStart(2, '0')}.png`;
    await writeImage(path.join(dir, name), colours[i % colours.length]!);
    store.put(emptyRecord(name));
    names.push(name);
  }
  await store.save();
  return names;
}

let florence: Promise<LocalCaptionBackend> | null = null;

/** One tiny Florence-2 backend on the CPU, shared by a test file's tests. */
export function tinyFlorence(): Promise<LocalCaptionBackend> {
  florence ??= createLocalBackend({ model: TINY_FLORENCE2, device: 'cpu' });
  return florence;
}

/** The manifest with the volatile `at` times removed, for comparing runs. */
export function withoutTimes(text: string): string {
  return text.replace(/"at":"[^"]*",?/g, '');
}

// The captioning image set: photo-sized JPEGs (longest side 1024 px, landscape, portrait and square) with
// varied content (gradients, shapes, texture), so decode cost and file sizes are those of real photos.
// Generated once into bench/out and reused while the stamp matches.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../src/core/util/seeded-random.js';

const SHAPES = 24;


function colour(rand: () => number): string {
  const c = () => Math.floor(rand() * 256);
  return `rgb(${c()},${c()},${c()})`;
}

function svgScene(width: number, height: number, rand: () => number): string {
  const shapes: string[] = [];
  for (let i = 0; i < SHAPES; i++) {
    const x = Math.floor(rand() * width);
    const y = Math.floor(rand() * height);
    const r = Math.floor(20 + rand() * width * 0.2);
    const opacity = (0.3 + rand() * 0.7).toFixed(2);
    shapes.push(
      rand() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour(rand)}" fill-opacity="${opacity}"/>`
        : `<rect x="${x - r}" y="${y - r / 2}" width="${2 * r}" height="${r}" fill="${colour(rand)}" fill-opacity="${opacity}" transform="rotate(${Math.floor(rand() * 90)} ${x} ${y})"/>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="${rand().toFixed(2)}" y2="1"><stop offset="0" stop-color="${colour(rand)}"/><stop offset="1" stop-color="${colour(rand)}"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${shapes.join('')}</svg>`
  );
}

/** Writes `count` JPEGs into `folder` (0000.jpg, ...) unless a matching set is there; returns the file names. */
export async function ensureCaptionImages(folder: string, count: number, side = 1024): Promise<{ names: string[]; generatedSeconds: number | null; meanKiB: number }> {
  const stampFile = path.join(folder, 'bench-stamp.json');
  const stamp = JSON.stringify({ count, side, version: 1 });
  // A larger set made earlier serves a smaller request (its first `count` images).
  const made = JSON.parse((await fs.readFile(stampFile, 'utf8').catch(() => null)) ?? '{}') as { count?: number; side?: number; version?: number };
  const reusable = made.side === side && made.version === 1 && (made.count ?? 0) >= count;
  const names = Array.from({ length: count }, (_, i) => `${String(i).padStart(4, '0')}.jpg`);
  const meanKiB = async () => {
    let total = 0;
    for (const n of names) total += (await fs.stat(path.join(folder, n))).size;
    return total / count / 1024;
  };
  if (reusable) return { names, generatedSeconds: null, meanKiB: await meanKiB() };
  const started = performance.now();
  await fs.rm(folder, { recursive: true, force: true });
  await fs.mkdir(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const rand = seededRandom(1000 + i);
    const shape = i % 3;
    const width = shape === 1 ? Math.round(side * 0.75) : side;
    const height = shape === 2 ? Math.round(side * 0.75) : side;
    // Film-grain-like texture: real photos carry noise, which is what makes their JPEGs large and slow to decode.
    const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 + (i % 5) * 6 } } }).raw().toBuffer();
    await sharp(Buffer.from(svgScene(width, height, rand)))
      .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
      .jpeg({ quality: 85 + (i % 3) * 4 })
      .toFile(path.join(folder, names[i]!));
  }
  await fs.writeFile(stampFile, stamp);
  return { names, generatedSeconds: (performance.now() - started) / 1000, meanKiB: await meanKiB() };
}

import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { createLocalBackend } from './src/core/captioner/local/local-backend.ts';
const folder = 'bench/out/models/florence2-bench';
const imgs = (await fs.readdir('bench/out/caption-images')).filter((f) => f.endsWith('.jpg')).slice(0, 4);
const b = await createLocalBackend({ model: folder, device: 'cpu' });
const prepared = await Promise.all(imgs.map((f) => b.prepare(path.join('bench/out/caption-images', f), f)));
const px = (prepared[0]!.payload as { pixels: Float32Array }).pixels;
console.log(px.constructor.name, px.length, px.buffer.byteLength, px.byteOffset, Object.getPrototypeOf(px) === Float32Array.prototype);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  const data = new Float32Array(px.length * 4);
  for (let i = 0; i < 4; i++) data.set((prepared[i]!.payload as { pixels: Float32Array }).pixels, i * px.length);
  console.log('copy 4', (performance.now() - t).toFixed(1), 'ms');
}
await b.dispose();

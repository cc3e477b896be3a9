// Throughput of the local captioner on one model: images/s through runCaptioning at a few batch sizes,
// and where the time goes (decode+preprocess, vision encoder, generation). A quick measurement, not the
// benchmark suite. Run: npx tsx scripts/measure-captioner.ts [--model DIR] [--images N] [--batch 1,4]
import { parseArgs } from 'node:util';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createLocalBackend } from '../src/core/captioner/local/local-backend.js';
import { runCaptioning } from '../src/core/captioner/pipeline.js';
import { ManifestStore } from '../src/core/dataset/manifest-store.js';
import { emptyRecord } from '../src/shared/record.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, images: { type: 'string' }, batch: { type: 'string' }, device: { type: 'string' }, size: { type: 'string' } } });
  const model = values.model ?? path.join(__dirname, '..', 'test', 'fixtures', 'models', 'tiny-florence2');
  const count = Number(values.images ?? 64);
  const side = Number(values.size ?? 1024);
  const batches = (values.batch ?? '1,4').split(',').map(Number);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-measure-'));
  try {
    // Photo-sized JPEGs with some texture, so the decode cost is realistic.
    for (let i = 0; i < count; i++) {
      const noise = await sharp({ create: { width: side, height: side, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 40 + (i % 4) * 50, sigma: 30 } } }).jpeg({ quality: 85 }).toBuffer();
      await fs.writeFile(path.join(dir, `${String(i).padStart(4, '0')}.jpg`), noise);
    }
    const t0 = performance.now();
    const backend = await createLocalBackend({ model, device: (values.device as 'cpu' | undefined) ?? 'cpu' });
    console.log(`load: ${(performance.now() - t0).toFixed(0)} ms, ${backend.describe()}, default batch ${backend.defaultBatchSize}`);

    // Where the time goes, one image at a time, after a warm-up.
    const file = path.join(dir, '0000.jpg');
    await backend.caption([await backend.prepare(file, '0000.jpg')], ['ssc', 'dsc']);
    const reps = Math.min(count, 16);
    let prep = 0;
    let infer = 0;
    let sscOnly = 0;
    for (let i = 0; i < reps; i++) {
      const f = path.join(dir, `${String(i).padStart(4, '0')}.jpg`);
      let t = performance.now();
      const image = await backend.prepare(f, path.basename(f));
      prep += performance.now() - t;
      t = performance.now();
      await backend.caption([image], ['ssc', 'dsc']);
      infer += performance.now() - t;
      t = performance.now();
      await backend.caption([image], ['ssc']);
      sscOnly += performance.now() - t;
    }
    console.log(`per image (${side}x${side} JPEG): decode+preprocess ${(prep / reps).toFixed(1)} ms, inference SSC+DSC ${(infer / reps).toFixed(1)} ms (SSC alone ${(sscOnly / reps).toFixed(1)} ms)`);

    for (const batchSize of [...batches, 0]) {
      const store = await ManifestStore.open(dir);
      for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.jpg'))) store.put(emptyRecord(name));
      const summary = await runCaptioning({ folder: dir, store, backend, batchSize, checkpoint: false });
      console.log(`runCaptioning batch ${summary.batchSize}${batchSize === 0 ? ' (default)' : ''}: ${summary.captioned} images in ${summary.seconds.toFixed(2)} s = ${summary.imagesPerSecond.toFixed(1)} images/s`);
    }
    await backend.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

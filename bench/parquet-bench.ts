// Parquet in and out, disk-bound work measured beside a plain copy of the same image bytes, in alternated
// rounds in one run (the machine is shared: the ratio is the figure, with the load average beside it).
//   export: `--format parquet` with embedded images, MB/s of image bytes written into the shards
//   import: `recaption import` of that Parquet into a new dataset folder (images out, manifest scanned)
//   copy:   every image file copied into a fresh folder (fs.copyFile, 8 at a time), then the folder synced
//
//   npx tsx bench/parquet-bench.ts [--rows 100000] [--distinct 1000] [--side 160] [--rounds 2] [--phash]
//
// The import's manifest scan runs without perceptual hashes unless --phash (they decode every image, as
// `recaption scan` does; see the README for their cost).
//
// Rows cycle through `distinct` generated JPEGs (sharp encoding every row would dominate the set-up).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ManifestStore } from '../src/core/dataset/manifest-store.js';
import { exportFineTuneSet } from '../src/core/export/index.js';
import { importDataset } from '../src/core/import/index.js';
import { emptyRecord, type Caption } from '../src/shared/record.js';
import { mapConcurrent } from '../src/core/util/map-concurrent.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    distinct: { type: 'string', default: '1000' },
    side: { type: 'string', default: '160' },
    rounds: { type: 'string', default: '2' },
    phash: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const distinct = Math.min(rows, Number(values.distinct));
const side = Number(values.side);
const rounds = Number(values.rounds);

function caption(text: string): Caption {
  return { text, by: 'model', model: 'bench', at: '2026-01-01T00:00:00Z', review: 'approved' };
}

/** A photo-like JPEG: a gradient with noise, so it compresses as a photo does, not as a flat colour. */
async function photo(index: number): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  let x = (index + 1) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pixels[i] = ((i / 3) % side) + (x >>> 27);
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

async function makeDataset(root: string): Promise<{ store: ManifestStore; bytes: number; files: string[] }> {
  const seeds = await Promise.all(Array.from({ length: distinct }, (_, i) => photo(i)));
  const store = ManifestStore.fromText(root, '');
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    const name = `part${String(Math.floor(i / 1000)).padStart(3, '0')}/${String(i).padStart(6, '0')}.jpg`;
    if (i % 1000 === 0) await fs.mkdir(path.join(root, path.dirname(name)), { recursive: true });
    const data = seeds[i % distinct]!;
    await fs.writeFile(path.join(root, name), data);
    bytes += data.length;
    files.push(name);
    store.put({ ...emptyRecord(name), width: side, height: side, sha256: null, alt: { text: `photo ${i}`, source: 'sidecar' }, dsc: caption(`a generated photo, number ${i}.`) });
  }
  await store.save();
  return { store, bytes, files };
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-parquet-bench-'));
  const loadAtStart = os.loadavg();
  try {
    const t0 = performance.now();
    const dataset = path.join(work, 'dataset');
    const { store, bytes, files } = await makeDataset(dataset);
    const mb = bytes / 1e6;
    process.stderr.write(`${rows} rows, ${distinct} distinct ${side}x${side} JPEGs, ${mb.toFixed(0)} MB of images, made in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const times: Record<'copy' | 'export' | 'import', number[]> = { copy: [], export: [], import: [] };
    for (let round = 0; round < rounds; round++) {
      const copyTo = path.join(work, `copy-${round}`);
      times.copy.push(
        await timed(async () => {
          for (const dir of new Set(files.map((f) => path.dirname(f)))) await fs.mkdir(path.join(copyTo, dir), { recursive: true });
          await mapConcurrent(files, 8, (f) => fs.copyFile(path.join(dataset, f), path.join(copyTo, f)));
          await syncFolder(copyTo);
        }),
      );
      await fs.rm(copyTo, { recursive: true, force: true });
      const exported = path.join(work, `export-${round}`);
      times.export.push(await timed(() => exportFineTuneSet({ store, out: exported, profile: 'dsc', format: 'parquet', validation: 0 })));
      const imported = path.join(work, `import-${round}`);
      times.import.push(await timed(() => importDataset({ source: path.join(exported, 'data'), out: imported, phash: values.phash })));
      await fs.rm(exported, { recursive: true, force: true });
      await fs.rm(imported, { recursive: true, force: true });
      process.stderr.write(`round ${round + 1}: copy ${times.copy.at(-1)!.toFixed(1)} s, export ${times.export.at(-1)!.toFixed(1)} s, import ${times.import.at(-1)!.toFixed(1)} s\n`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const line = (name: string, s: number) => `| ${name} | ${s.toFixed(1)} | ${(mb / s).toFixed(1)} | ${(median(times.copy) / s).toFixed(2)}x |`;
    console.log(`| ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MB of JPEGs | s (median of ${rounds}) | MB/s | speed ÷ plain copy |`);
    console.log('|---|---:|---:|---:|');
    console.log(line('plain copy of the image files', median(times.copy)));
    console.log(line('export --format parquet, images embedded', median(times.export)));
    console.log(line(`import of that Parquet (images out, manifest scanned${values.phash ? ' with' : ' without'} perceptual hashes)`, median(times.import)));
    const fmt = (l: number[]) => l.map((v) => v.toFixed(1)).join(' ');
    console.log(`\nmachine: ${os.cpus().length} cores, node ${process.version}; load average ${fmt(loadAtStart)} at start, ${fmt(os.loadavg())} at end`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

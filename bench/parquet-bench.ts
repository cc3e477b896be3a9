// Parquet and WebDataset in and out, disk-bound work measured beside the floor, a plain copy of the same
// image bytes, in alternated rounds in one run (the machine is shared: the ratio is the figure, with the
// load average beside it).
//   copy:    every image file copied into one fresh folder (read and written whole, 16 at a time), then
//            the folder synced: a Node process of its own, timed from spawn to exit (as the data part's
//            floor: one folder, as an import writes a source file's images into one)
//   export:  `--format parquet` (and `webdataset`) with embedded images, in this process: MB/s of image bytes
//   import:  `recaption import --no-phash` of that export into a new dataset folder, run as the user runs it
//            (the built CLI, `npm run build` first; give --cli more than once to compare builds), timed
//            from spawn to exit
//
//   npx tsx bench/parquet-bench.ts [--rows 100000] [--distinct 1000] [--side 160 | --width W --height H]
//                                  [--rounds 3] [--formats parquet,webdataset] [--cli dist/cli.js ...] [--phash]
//
// The import figure of issue 26 (2,000 photos of 1024×768, about 140 MB):
//   npx tsx bench/parquet-bench.ts --rows 2000 --distinct 2000 --width 1024 --height 768 --formats parquet,webdataset
//
// Rows cycle through `distinct` generated photos (sharp encoding every row would dominate the set-up):
// noise at an eighth of the size, scaled up, so that they compress as photos do (about 70 KB at 1024×768).
// Nothing is deleted until the end: ext4 creates files slowly beside thousands just deleted, which would
// charge one round's clean-up to the next round's figure.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ManifestStore } from '../src/core/dataset/manifest-store.js';
import { exportFineTuneSet } from '../src/core/export/index.js';
import { emptyRecord, type Caption } from '../src/shared/record.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    distinct: { type: 'string', default: '1000' },
    side: { type: 'string', default: '160' },
    width: { type: 'string' },
    height: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    formats: { type: 'string', default: 'parquet' },
    cli: { type: 'string', multiple: true, default: ['dist/cli.js'] },
    phash: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const distinct = Math.min(rows, Number(values.distinct));
const width = Number(values.width ?? values.side);
const height = Number(values.height ?? values.side);
const rounds = Number(values.rounds);
const formats = values.formats.split(',') as ('parquet' | 'webdataset')[];
const clis = values.cli.map((c) => path.resolve(c));
for (const f of formats) if (f !== 'parquet' && f !== 'webdataset') throw new Error(`--formats takes parquet and/or webdataset, not ${f}`);
for (const c of clis) if (!existsSync(c)) throw new Error(`${c} does not exist: run \`npm run build\` first (or give --cli the built CLI to measure)`);

/** The floor, as a process of its own: every image under SOURCE's folders read and written into the one folder OUT, 16 at a time, then OUT synced. */
const COPY_FLOOR = `
const fs = require('node:fs/promises'); const path = require('node:path');
const [source, out] = process.argv.slice(1);
(async () => {
  const files = [];
  for (const dir of await fs.readdir(source, { withFileTypes: true })) if (dir.isDirectory()) for (const f of await fs.readdir(path.join(source, dir.name))) files.push(path.join(dir.name, f));
  await fs.mkdir(out, { recursive: true });
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < files.length) { const f = files[next++]; await fs.writeFile(path.join(out, path.basename(f)), await fs.readFile(path.join(source, f))); } }));
  const handle = await fs.open(out, 'r'); await handle.sync(); await handle.close();
})();`;

function caption(text: string): Caption {
  return { text, by: 'model', model: 'bench', at: '2026-01-01T00:00:00Z', review: 'approved' };
}

/** A photo-like JPEG: a gradient with noise at an eighth of the size, scaled up (smooth grain, as a photo's). */
async function photo(index: number): Promise<Buffer> {
  const w = Math.max(1, Math.ceil(width / 8));
  const h = Math.max(1, Math.ceil(height / 8));
  const pixels = Buffer.alloc(w * h * 3);
  let x = (index + 1) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pixels[i] = (((i / 3) % w) * 200) / w + (x >>> 27);
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).jpeg({ quality: 85 }).toBuffer();
}

async function makeDataset(root: string): Promise<{ store: ManifestStore; bytes: number }> {
  const seeds: Buffer[] = [];
  // A few at a time: sharp's threads are the machine's, and the rest of the set-up waits anyway.
  for (let i = 0; i < distinct; i += 8) seeds.push(...(await Promise.all(Array.from({ length: Math.min(8, distinct - i) }, (_, k) => photo(i + k)))));
  const store = ManifestStore.fromText(root, '');
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    const name = `part${String(Math.floor(i / 1000)).padStart(3, '0')}/${String(i).padStart(6, '0')}.jpg`;
    if (i % 1000 === 0) await fs.mkdir(path.join(root, path.dirname(name)), { recursive: true });
    const data = seeds[i % distinct]!;
    await fs.writeFile(path.join(root, name), data);
    bytes += data.length;
    store.put({ ...emptyRecord(name), width, height, sha256: null, alt: { text: `photo ${i}`, source: 'sidecar' }, dsc: caption(`a generated photo, number ${i}.`) });
  }
  await store.save();
  return { store, bytes };
}

/** Runs `node args`, timed from spawn to exit; throws with its stderr when it fails. */
function timedProcess(what: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - start) / 1000) : reject(new Error(`${what} failed: ${stderr.trim().split('\n').slice(-3).join(' / ')}`))));
  });
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
    const { store, bytes } = await makeDataset(dataset);
    const mb = bytes / 1e6;
    process.stderr.write(`${rows} rows, ${distinct} distinct ${width}x${height} JPEGs, ${mb.toFixed(0)} MB of images, made in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const times = new Map<string, number[]>();
    const record = (name: string, s: number) => times.set(name, [...(times.get(name) ?? []), s]);
    let n = 0;
    const fresh = (what: string) => path.join(work, `${what}-${n++}`);
    const importFlags = values.phash ? [] : ['--no-phash'];
    for (let round = 0; round < rounds; round++) {
      record('copy', await timedProcess('the copy floor', ['-e', COPY_FLOOR, dataset, fresh('copy')]));
      for (const format of formats) {
        const exported = fresh(`export-${format}`);
        record(`export ${format}`, await timed(() => exportFineTuneSet({ store, out: exported, profile: 'dsc', format, validation: 0 })));
        const source = format === 'parquet' ? path.join(exported, 'data') : exported;
        for (const [i, cli] of clis.entries()) record(`import ${format} ${i}`, await timedProcess(`${cli} import`, [cli, 'import', source, '--out', fresh('import'), ...importFlags]));
      }
      process.stderr.write(`round ${round + 1}: ${[...times].map(([k, v]) => `${k} ${v.at(-1)!.toFixed(2)} s`).join(', ')}\n`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const copy = median(times.get('copy')!);
    const line = (name: string, s: number) => `| ${name} | ${s.toFixed(2)} | ${(mb / s).toFixed(0)} | ${(copy / s).toFixed(2)}x |`;
    console.log(`| ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MB of ${width}×${height} JPEGs | s (median of ${rounds}) | MB/s | speed ÷ plain copy |`);
    console.log('|---|---:|---:|---:|');
    console.log(line('plain copy of the image files (a process of its own)', copy));
    for (const format of formats) {
      console.log(line(`export --format ${format}, images embedded (in this process)`, median(times.get(`export ${format}`)!)));
      for (const [i, cli] of clis.entries()) {
        const label = `import of that ${format === 'parquet' ? 'Parquet file' : 'WebDataset export'} (${path.relative(process.cwd(), cli)}, manifest${values.phash ? ' with' : ' without'} perceptual hashes)`;
        console.log(line(label, median(times.get(`import ${format} ${i}`)!)));
      }
    }
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

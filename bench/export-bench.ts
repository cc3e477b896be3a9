// Export throughput: a generated dataset of N records (default 100,000), exported in every format.
// Images: a small JPEG written by sharp per folder of 1000 and hard-linked into it (no disk cost for the dataset);
// `none` measures the export's own work (planning, metadata, existence checks), `copy` adds copying every
// image into the output (or, for WebDataset, reading it into the shards).
//
//   npx tsx bench/export-bench.ts [--records 100000] [--images none,copy] [--formats hf,sidecar,webdataset,llava,openai]
//
// Results go to stdout and bench/out/export-bench.json.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ManifestStore } from '../src/core/dataset/manifest-store.js';
import { EXPORT_FORMATS, exportFineTuneSet, type ExportFormat, type ImageMode } from '../src/core/export/index.js';
import { emptyRecord, type Caption } from '../src/shared/record.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    images: { type: 'string', default: 'none,copy' },
    formats: { type: 'string', default: EXPORT_FORMATS.join(',') },
  },
});
const records = Number(values.records);
const imageModes = values.images!.split(',') as ImageMode[];
const formats = values.formats!.split(',') as ExportFormat[];

const DSC_WORDS = 'a wide view of a quiet harbour at dusk with small wooden boats moored along a stone pier while gulls circle above the water and warm lights glow in the windows of the houses on the hill behind'.split(' ');

function caption(text: string): Caption {
  return { text, by: 'model', model: 'bench', at: '2026-01-01T00:00:00Z', review: 'approved' };
}

async function makeDataset(root: string): Promise<ManifestStore> {
  await fs.mkdir(root, { recursive: true });
  const store = ManifestStore.fromText(root, '');
  let seed = '';
  for (let i = 0; i < records; i++) {
    const part = Math.floor(i / 1000);
    const dir = `part${String(part).padStart(3, '0')}`;
    const name = `${dir}/${String(i).padStart(6, '0')}.jpg`;
    if (i % 1000 === 0) {
      // One seed image per folder of 1000: a file system caps the links to one inode (ext4: 65,000).
      await fs.mkdir(path.join(root, dir), { recursive: true });
      seed = path.join(path.dirname(root), `seed-${part}.jpg`);
      const shade = (part * 37) % 256;
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade, g: 90, b: 160 } } }).jpeg().toFile(seed);
    }
    await fs.link(seed, path.join(root, name));
    const words = DSC_WORDS.slice(0, 20 + (i % 20));
    store.put({
      ...emptyRecord(name),
      width: 64,
      height: 48,
      sha256: 'f'.repeat(64),
      alt: { text: `photo ${i} of the harbour`, source: 'sidecar' },
      ssc: caption(`a harbour at dusk ${i}`),
      dsc: caption(`${words.join(' ')} (${i}).`),
    });
  }
  return store;
}

interface Row {
  format: ExportFormat;
  images: ImageMode;
  records: number;
  seconds: number;
  perSecond: number;
  outputMiB: number;
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-bench-'));
  try {
    const t0 = performance.now();
    const store = await makeDataset(path.join(work, 'dataset'));
    process.stderr.write(`dataset of ${records} records made in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const rows: Row[] = [];
    for (const images of imageModes) {
      for (const format of formats) {
        const out = path.join(work, `out-${format}-${images}`);
        const start = performance.now();
        const { record } = await exportFineTuneSet({ store, out, profile: 't2i', format, images, seed: 1 });
        const seconds = (performance.now() - start) / 1000;
        const row: Row = {
          format,
          images,
          records: record.counts.total,
          seconds: Number(seconds.toFixed(2)),
          perSecond: Math.round(record.counts.total / seconds),
          outputMiB: Number(((await sizeOf(out)) / 2 ** 20).toFixed(1)),
        };
        rows.push(row);
        process.stdout.write(`${format.padEnd(11)} images ${images.padEnd(5)} ${String(row.records).padStart(7)} records  ${row.seconds.toFixed(2).padStart(7)} s  ${String(row.perSecond).padStart(7)}/s  ${row.outputMiB} MiB\n`);
        await fs.rm(out, { recursive: true, force: true });
      }
    }
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() };
    await fs.mkdir(path.join(__dirname, 'out'), { recursive: true });
    await fs.writeFile(path.join(__dirname, 'out', 'export-bench.json'), JSON.stringify({ machine, rows }, null, 2) + '\n');
    process.stdout.write(`machine: ${machine.cpus} cores (${machine.cpu}), ${machine.memGiB} GiB, node ${machine.node}, load ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')}\n`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});

// `npm run bench`: captioning against its bounds, model lifecycle memory, and dataset-scale operations,
// all on generated data (offline). Prints a table and writes bench/results.json. Each part runs in its own
// process (parts/*.ts) so peak RSS figures are per step. Generated inputs are kept in bench/out and reused.
//
//   npm run bench -- [--only captioning,dtypes,scoring,lifecycle,dataset,manifest,data] [--quick] [--steps scan,load,...]
//                    [--model-size bench|base] [--device cpu|webgpu|cuda] [--dtype fp32] [--batch N]
//                    [--images N] [--baseline-images N] [--records N] [--hidden N --layers N ...]
//                    [--data-records N] [--data-steps stats,export,sidecar,import,phash,editor]
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeviceRequest } from '../src/core/captioner/local/device.js';
import type { DtypeRequest } from '../src/core/captioner/local/dtype.js';
import type { TinyModelOptions } from '../test/support/models/tiny-models.js';
import { EXPORT_FORMATS } from '../src/core/export/index.js';
import { MODEL_SIZES, type ModelSize } from './lib/bench-model.js';
import { runChild } from './lib/child.js';
import { ensureScaleDataset, ensureScanSlice, type ScaleDataset } from './lib/scale-dataset.js';
import { captioningTable, dataTable, engineTable, datasetTable, dtypeTable, lifecycleTable, manifestScaleTable, scoringTable, type DatasetRow, type ManifestScaleRow } from './lib/report.js';
import type { ManifestStepArgs } from './parts/manifest-scale.js';
import { ensureSyntheticManifest } from './lib/synthetic-manifest-folder.js';
import type { CaptioningArgs, CaptioningResult } from './parts/captioning.js';
import type { DtypeArgs, DtypeResult } from './parts/dtypes.js';
import type { ScoringArgs, ScoringResult } from './parts/scoring.js';
import type { EngineArgs, EngineMode, EngineResult, EngineRun } from './parts/engine.js';
import type { StepArgs, StepResult } from './parts/dataset-step.js';
import type { LifecycleArgs, LifecycleResult } from './parts/lifecycle.js';
import { DATA_STEPS, DEFAULT_DATA_STEPS, type DataArgs, type DataResult, type DataStep } from './lib/data-rows.js';
import { BUILT_CLI, removeTree } from './lib/whole-process.js';

const HELP = `npm run bench -- [options]
  --only LIST          parts to run: captioning,engine,dtypes,scoring,lifecycle,dataset,manifest,data (default: all)
  --quick              small sizes for development (24 images, 20,000 records)
  --model-size S       bench (default: ~100 ms per image on a 2-core CPU) or base (Florence-2-base dimensions)
  --device D           cpu (default), webgpu, cuda, auto
  --dtype T            fp32 (default; the generator writes fp32 weights)
  --batch N            images per inference batch (default: the backend's default for the device)
  --images N           captioning images (default 200)
  --baseline-images N  images for the one-at-a-time baseline (default 32)
  --dtype-images N     images per dtype round in the dtypes part (default 8)
  --engine-images N    images per run in the engine part (default 12; --quick: 4): the same job with the
                       model in the bench's process and in the engine process, alternated; the caller's
                       event-loop stalls and the pipeline's images/s
  --rounds N           interleaved rounds of decode / inference / pipeline measurements (default 2; the data
                       part: 3, its figures are the best of them)
  --records N          dataset-scale records and images (default 250000)
  --steps LIST         dataset steps: scan,rescan,load,save,stats,stats-stream,page,export (default: all)
  --manifest-records LIST
                       manifest part: generated manifests (no images) of these sizes (default
                       250000,1000000; --quick: 20000)
  --manifest-steps LIST
                       manifest steps: open,page,filter,search,save-edits,bulk-review,stats,merge,report,export
                       (default: all)
  --data-records N     data part: records of the generated manifest (default 1000000; --quick: 20000); the
                       sidecar row uses a tenth of them
  --data-photos N      data part: 1024×768 JPEGs for the import and perceptual-hash rows (default 2000;
                       --quick: 200)
  --data-steps LIST    data part: ${DATA_STEPS.join(',')}
                       (default: ${DEFAULT_DATA_STEPS.join(',')}; editor needs code-server, scripts/e2e-setup.sh,
                       and \`npm run package\`). Each path runs as the built CLI (\`npm run build\` first), a whole
                       process beside its floor, alternated; the figures are the best of --rounds
  --data-cli FILE      data part: the CLI bundle to measure (default dist/cli.js), e.g. a build of another
                       revision; the editor step runs the packaged extension and perf script of that tree
  --scan-images N      images the scan steps cover (default: all of them; a slice is scanned through
                       symbolic links to the first part folders)
  --hidden/--layers/--heads/--ffn/--image-size/--patch-size/--vocab/--ssc-tokens/--dsc-tokens N
                       override the model's dimensions
  --out FILE           results file (default bench/results.json)`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean' },
    'model-size': { type: 'string', default: 'bench' },
    device: { type: 'string', default: 'cpu' },
    dtype: { type: 'string', default: 'fp32' },
    batch: { type: 'string', default: '0' },
    images: { type: 'string' },
    'baseline-images': { type: 'string' },
    records: { type: 'string' },
    steps: { type: 'string', default: 'scan,rescan,load,save,stats,stats-stream,page,export' },
    'scan-images': { type: 'string' },
    'dtype-images': { type: 'string' },
    'engine-images': { type: 'string' },
    'manifest-records': { type: 'string' },
    'manifest-steps': { type: 'string', default: 'open,page,filter,search,save-edits,bulk-review,stats,merge,report,export' },
    'data-records': { type: 'string' },
    'data-photos': { type: 'string' },
    'data-steps': { type: 'string', default: DEFAULT_DATA_STEPS.join(',') },
    'data-cli': { type: 'string', default: BUILT_CLI },
    rounds: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    heads: { type: 'string' },
    ffn: { type: 'string' },
    'image-size': { type: 'string' },
    'patch-size': { type: 'string' },
    vocab: { type: 'string' },
    'ssc-tokens': { type: 'string' },
    'dsc-tokens': { type: 'string' },
    out: { type: 'string', default: path.join(__dirname, 'results.json') },
    help: { type: 'boolean' },
  },
});

const PARTS = ['captioning', 'engine', 'dtypes', 'scoring', 'lifecycle', 'dataset', 'manifest', 'data'] as const;
type Part = (typeof PARTS)[number];

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${value}"`);
  return n;
}

function modelOverrides(): Partial<TinyModelOptions> {
  const o: Partial<TinyModelOptions> = {};
  const set = (flag: string, key: 'hiddenSize' | 'layers' | 'heads' | 'intermediateSize' | 'imageSize' | 'patchSize' | 'vocabSize') => {
    const v = values[flag as keyof typeof values];
    if (typeof v === 'string') o[key] = int(flag, v, 0);
  };
  set('hidden', 'hiddenSize');
  set('layers', 'layers');
  set('heads', 'heads');
  set('ffn', 'intermediateSize');
  set('image-size', 'imageSize');
  set('patch-size', 'patchSize');
  set('vocab', 'vocabSize');
  if (values['ssc-tokens'] || values['dsc-tokens']) {
    o.lengths = { ssc: int('ssc-tokens', values['ssc-tokens'], 20), dsc: int('dsc-tokens', values['dsc-tokens'], 80) };
  }
  return o;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

function loadText(load: number[]): string {
  return load.map((l) => l.toFixed(1)).join(' ');
}

async function main(): Promise<void> {
  if (values.help) {
    console.log(HELP);
    return;
  }
  const quick = values.quick === true;
  const only = (values.only ?? PARTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}" (parts: ${PARTS.join(', ')})`);
  const modelSize = values['model-size'] as ModelSize;
  if (!(modelSize in MODEL_SIZES)) throw new Error(`--model-size must be one of ${Object.keys(MODEL_SIZES).join(', ')}`);
  const outRoot = path.join(__dirname, 'out');
  await fs.mkdir(outRoot, { recursive: true });
  const images = int('images', values.images, quick ? 24 : 200);
  const records = int('records', values.records, quick ? 20_000 : 250_000);
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    machine: machine(),
    loadAverageAtStart: loadAtStart,
    options: { quick, only, modelSize, device: values.device, dtype: values.dtype, batch: values.batch, images, records },
  };
  const tables: string[] = [];
  const has = (p: Part) => only.includes(p);
  const overrides = modelOverrides();

  if (has('captioning')) {
    process.stderr.write(`captioning: ${images} images, ${modelSize} model on ${values.device}\n`);
    const args: CaptioningArgs = {
      outRoot,
      modelSize,
      modelOverrides: overrides,
      device: values.device as DeviceRequest,
      dtype: values.dtype as DtypeRequest,
      images,
      batchSize: int('batch', values.batch, 0),
      baselineImages: Math.min(images, int('baseline-images', values['baseline-images'], quick ? 4 : 32)),
      perTaskImages: Math.min(images, quick ? 8 : 48),
      rounds: int('rounds', values.rounds, 2),
    };
    const r = await runChild<CaptioningResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'captioning.ts'), args);
    results.captioning = r;
    tables.push(captioningTable(r));
  }

  if (has('dtypes')) {
    const dtypeImages = Math.min(images, int('dtype-images', values['dtype-images'], quick ? 4 : 8));
    process.stderr.write(`dtypes: fp32, q8 and q4 of the ${modelSize} model on ${values.device}, ${dtypeImages} images\n`);
    const args: DtypeArgs = { outRoot, modelSize, modelOverrides: overrides, device: values.device as DeviceRequest, images: dtypeImages, batchSize: int('batch', values.batch, 0), rounds: int('rounds', values.rounds, 2) };
    const r = await runChild<DtypeResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'dtypes.ts'), args);
    results.dtypes = r;
    tables.push(dtypeTable(r));
  }

  if (has('engine')) {
    const engineImages = int('engine-images', values['engine-images'], quick ? 4 : 12);
    process.stderr.write(`engine: ${engineImages} images, the ${modelSize} model in this process and in the engine process, alternated\n`);
    const common = {
      outRoot,
      modelSize,
      modelOverrides: overrides,
      device: (values.device === 'auto' ? 'cpu' : values.device) as EngineArgs['device'],
      dtype: values.dtype as EngineArgs['dtype'],
      images: engineImages,
      batchSize: int('batch', values.batch, 0),
    };
    const rounds = int('rounds', values.rounds, 2);
    const runs: EngineRun[] = [];
    let describe = '';
    for (let round = 0; round < rounds; round++) {
      // Alternated, so that neither always runs on a warmer (or busier) machine; each job its own process.
      for (const mode of (round % 2 === 0 ? ['in-process', 'engine'] : ['engine', 'in-process']) as EngineMode[]) {
        const { describe: d, peakRssMiB: _rss, ...run } = await runChild<EngineRun & { describe: string; peakRssMiB: number }>(path.join(__dirname, 'parts', 'engine.ts'), { ...common, mode, round } satisfies EngineArgs);
        describe ||= d;
        runs.push(run);
        process.stderr.write(`engine: round ${round + 1}/${rounds} ${mode}: ${run.imagesPerSecond.toFixed(2)} images/s, longest stall ${run.stallMaxMs.toFixed(0)} ms, p99 ${run.stallP99Ms.toFixed(1)} ms\n`);
      }
    }
    const r: EngineResult = { model: { size: modelSize, describe }, images: engineImages, batchSize: common.batchSize, runs };
    results.engine = r;
    tables.push(engineTable(r));
  }

  if (has('scoring')) {
    process.stderr.write(`scoring: ${images} images, the ${modelSize}-sized dual encoder on ${values.device}\n`);
    const args: ScoringArgs = { outRoot, modelSize, device: values.device as DeviceRequest, dtype: values.dtype as DtypeRequest, images };
    const r = await runChild<ScoringResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'scoring.ts'), args);
    results.scoring = r;
    const captioning = results.captioning as (CaptioningResult & { peakRssMiB: number }) | undefined;
    tables.push(scoringTable(r, captioning?.pipeline.imagesPerSecond ?? null));
  }

  if (has('lifecycle')) {
    process.stderr.write('lifecycle: RSS before load, after load, after unload\n');
    const args: LifecycleArgs = { outRoot, modelSize, modelOverrides: overrides, device: values.device as DeviceRequest, dtype: values.dtype as DtypeRequest, images };
    const r = await runChild<LifecycleResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'lifecycle.ts'), args, ['--expose-gc']);
    results.lifecycle = r;
    tables.push(lifecycleTable(r, modelSize));
  }

  if (has('dataset')) {
    const folder = path.join(outRoot, `scale-${records}`);
    process.stderr.write(`dataset: ${records.toLocaleString('en-US')} images and records in ${path.relative(process.cwd(), folder)}\n`);
    const dataset: ScaleDataset = await ensureScaleDataset(folder, records, (done) => {
      if (done % 50_000 === 0) process.stderr.write(`  generated ${done.toLocaleString('en-US')}\n`);
    });
    if (dataset.generatedSeconds !== null) process.stderr.write(`  generated in ${dataset.generatedSeconds.toFixed(1)} s\n`);
    const wanted = values.steps!.split(',').map((s) => s.trim());
    const steps = ['idle', ...wanted.flatMap((s) => (s === 'export' ? EXPORT_FORMATS.map((f) => `export:${f}`) : [s]))];
    const scanImages = Math.min(records, int('scan-images', values['scan-images'], records));
    const scanFolder = steps.some((s) => s.endsWith('scan')) ? await ensureScanSlice(outRoot, folder, records, scanImages) : folder;
    const rows: DatasetRow[] = [];
    for (const step of steps) {
      const args: StepArgs = { step, folder: step.endsWith('scan') ? scanFolder : folder };
      const wall = performance.now();
      const r = await runChild<StepResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'dataset-step.ts'), args);
      rows.push({ ...r, processSeconds: (performance.now() - wall) / 1000 });
      process.stderr.write(`  ${step}: ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
    }
    results.dataset = { records, manifestMiB: dataset.manifestMiB, imagesMiB: dataset.imagesMiB, generatedSeconds: dataset.generatedSeconds, rows };
    tables.push(datasetTable(rows, dataset));
  }

  if (has('manifest')) {
    const sizes = (values['manifest-records'] ?? (quick ? '20000' : '250000,1000000')).split(',').map((s) => int('manifest-records', s.trim(), 0));
    const steps = values['manifest-steps']!.split(',').map((s) => s.trim()).flatMap((s) => (s === 'export' ? EXPORT_FORMATS.map((f) => `export:${f}`) : [s]));
    const runs: { records: number; manifestMiB: number; rows: ManifestScaleRow[] }[] = [];
    for (const records of sizes) {
      const folder = path.join(outRoot, `manifest-${records}`);
      const manifestMiB = await ensureSyntheticManifest(folder, records);
      process.stderr.write(`manifest: ${records.toLocaleString('en-US')} records (${manifestMiB.toFixed(0)} MiB)\n`);
      const rows: ManifestScaleRow[] = [];
      for (const step of steps) {
        // The save step writes the manifest: it runs on a copy, so every run measures the same file.
        const r = await runChild<ManifestScaleRow>(path.join(__dirname, 'parts', 'manifest-scale.ts'), { step, folder } satisfies ManifestStepArgs, ['--expose-gc']);
        if (r.leftover) await removeTree(r.leftover);
        rows.push(r);
        process.stderr.write(`  ${step}: ${r.seconds.toFixed(2)} s, RSS growth ${r.rssGrowthMiB.toFixed(0)} MiB, peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
      }
      runs.push({ records, manifestMiB, rows });
      tables.push(manifestScaleTable(rows, records, manifestMiB));
    }
    results.manifest = runs;
  }

  if (has('data')) {
    const steps = values['data-steps']!.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of steps) if (!(DATA_STEPS as readonly string[]).includes(s)) throw new Error(`--data-steps: unknown step "${s}" (steps: ${DATA_STEPS.join(', ')})`);
    const args: DataArgs = {
      outRoot,
      records: int('data-records', values['data-records'], quick ? 20_000 : 1_000_000),
      photos: int('data-photos', values['data-photos'], quick ? 200 : 2000),
      steps: steps as DataStep[],
      rounds: Math.max(1, int('rounds', values.rounds, 3)),
      cli: path.resolve(values['data-cli']!),
    };
    process.stderr.write(`data: ${steps.join(', ')} on ${args.records.toLocaleString('en-US')} records and ${args.photos.toLocaleString('en-US')} photos, ${args.rounds} alternating rounds\n`);
    const r = await runChild<DataResult & { peakRssMiB: number }>(path.join(__dirname, 'parts', 'data.ts'), args);
    results.data = r;
    tables.push(dataTable(r));
  }

  const seconds = (performance.now() - started) / 1000;
  const loadAtEnd = os.loadavg();
  Object.assign(results, { totalSeconds: seconds, loadAverageAtEnd: loadAtEnd });
  await fs.writeFile(values.out!, JSON.stringify(results, null, 2) + '\n');
  const m = results.machine as ReturnType<typeof machine>;
  console.log(tables.join('\n\n'));
  console.log(
    `\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}; ` +
      `load average ${loadText(loadAtStart)} at start, ${loadText(loadAtEnd)} at end (1/5/15 min: above ${m.cores} means other processes shared the cores)`,
  );
  console.log(`total ${seconds.toFixed(0)} s; results in ${path.relative(process.cwd(), values.out!)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});

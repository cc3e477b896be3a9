// The engine process against the in-process captioner: one caption job (scan, load, caption, save: what
// `recaption caption` and Recaption Folder run) on a fresh copy of the same images, with the model in this
// process (what the extension host did before the engine) or in the engine process. Each job is its own
// process (bench/run.ts alternates them through lib/child.ts): a process that held a model before would
// make the engine's start (fork copies the page tables) slower than any real caller's. Measured: the
// longest stall of this process's event loop and its percentiles (perf_hooks.monitorEventLoopDelay over
// the whole job), and the pipeline's images/s.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runCaptionJob } from '../../src/core/captioner/caption-job.js';
import type { DeviceRequest } from '../../src/core/captioner/local/device.js';
import type { DtypeRequest } from '../../src/core/captioner/local/dtype.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import type { TinyModelOptions } from '../../test/support/models/tiny-models.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { EngineCaptionBackend } from '../../src/core/engine/engine-captioner.js';
import { ensureBenchModel, modelOptions, type ModelSize } from '../lib/bench-model.js';
import { ensureCaptionImages } from '../lib/caption-images.js';
import { childMain } from '../lib/child.js';

export interface EngineArgs {
  mode: EngineMode;
  round: number;
  outRoot: string;
  modelSize: ModelSize;
  modelOverrides: Partial<TinyModelOptions>;
  device: Exclude<DeviceRequest, 'auto'>;
  dtype: Exclude<DtypeRequest, 'auto'>;
  images: number;
  batchSize: number;
}

export type EngineMode = 'in-process' | 'engine';

export interface EngineRun {
  mode: EngineMode;
  round: number;
  /** The job from scan to the last save, model load included. */
  jobSeconds: number;
  /** The pipeline's own figure: images captioned per second from its start (load excluded). */
  imagesPerSecond: number;
  captioned: number;
  /** Event-loop delay of this process over the whole job, ms. */
  stallMaxMs: number;
  stallP99Ms: number;
  stallP50Ms: number;
  loadAverage: number;
}

export interface EngineResult {
  model: { size: ModelSize; describe: string };
  images: number;
  batchSize: number;
  runs: EngineRun[];
}

async function freshFolder(images: readonly string[]): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-engine-bench-'));
  for (const file of images) await fs.link(file, path.join(folder, path.basename(file))).catch(() => fs.copyFile(file, path.join(folder, path.basename(file))));
  return folder;
}

async function runOnce(mode: EngineMode, round: number, modelFolder: string, images: readonly string[], args: EngineArgs): Promise<EngineRun & { describe: string }> {
  const folder = await freshFolder(images);
  const store = await ManifestStore.open(folder);
  let describe = '';
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const started = performance.now();
  delay.enable();
  try {
    const job = await runCaptionJob({
      folder,
      store,
      scan: {},
      batchSize: args.batchSize,
      openBackend: async () => {
        if (mode === 'engine') {
          const backend = await EngineCaptionBackend.open({ load: { model: modelFolder, device: args.device, dtype: args.dtype, batchSize: args.batchSize } });
          describe = backend.description;
          return backend;
        }
        const backend = await createLocalBackend({ model: modelFolder, device: args.device, dtype: args.dtype });
        describe = backend.describe();
        return backend;
      },
    });
    delay.disable();
    const summary = job.summary;
    if (!summary || summary.captioned !== images.length) throw new Error(`${mode}: captioned ${summary?.captioned ?? 0} of ${images.length}`);
    return {
      mode,
      round,
      jobSeconds: (performance.now() - started) / 1000,
      imagesPerSecond: summary.imagesPerSecond,
      captioned: summary.captioned,
      stallMaxMs: delay.max / 1e6,
      stallP99Ms: delay.percentile(99) / 1e6,
      stallP50Ms: delay.percentile(50) / 1e6,
      loadAverage: os.loadavg()[0]!,
      describe,
    };
  } finally {
    store.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}

export async function runEngineJob(args: EngineArgs): Promise<EngineRun & { describe: string }> {
  const model = await ensureBenchModel(args.outRoot, `florence2-${args.modelSize}`, modelOptions(args.modelSize, args.modelOverrides));
  const imageFolder = path.join(args.outRoot, 'caption-images');
  const set = await ensureCaptionImages(imageFolder, args.images);
  const images = set.names.slice(0, args.images).map((n) => path.join(imageFolder, n));
  return runOnce(args.mode, args.round, model.folder, images, args);
}

childMain(runEngineJob);

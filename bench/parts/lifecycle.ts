// Model lifecycle memory, in a fresh process (run with --expose-gc by bench/run.ts): RSS with the runtime
// imported but no model, after loading, after a first batch (ONNX Runtime grows its arenas on first use),
// and after dispose() plus a garbage collection.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { loadPixels, readPreprocess } from '../../src/core/captioner/local/image-prep.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import type { DeviceRequest } from '../../src/core/captioner/local/device.js';
import type { DtypeRequest } from '../../src/core/captioner/local/dtype.js';
import { childMain } from '../lib/child.js';
import { ensureBenchModel, modelOptions, type ModelSize } from '../lib/bench-model.js';
import { ensureCaptionImages } from '../lib/caption-images.js';
import type { TinyModelOptions } from '../../test/support/models/tiny-models.js';

export interface LifecycleArgs {
  outRoot: string;
  modelSize: ModelSize;
  modelOverrides: Partial<TinyModelOptions>;
  device: DeviceRequest;
  dtype: DtypeRequest;
  images: number;
}

export interface LifecycleResult {
  modelMiB: number;
  rssMiB: { beforeLoad: number; afterLoad: number; afterFirstBatch: number; afterUnload: number };
  loadSeconds: number;
}

const MiB = 2 ** 20;

async function settledRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().rss / MiB;
}

async function run(args: LifecycleArgs): Promise<LifecycleResult> {
  const model = await ensureBenchModel(args.outRoot, `florence2-${args.modelSize}`, modelOptions(args.modelSize, args.modelOverrides));
  const imageFolder = path.join(args.outRoot, 'caption-images');
  const { names } = await ensureCaptionImages(imageFolder, args.images);
  let modelBytes = 0;
  for (const f of await fs.readdir(path.join(model.folder, 'onnx'))) modelBytes += (await fs.stat(path.join(model.folder, 'onnx', f))).size;

  // Decode the batch first, so the RSS steps below are the model's alone (sharp keeps its own caches).
  const preprocess = await readPreprocess(model.folder);
  const batch: PreparedImage[] = [];
  for (const n of names.slice(0, 4)) {
    const { pixels, sourceWidth, sourceHeight } = await loadPixels(path.join(imageFolder, n), preprocess);
    batch.push({ fileName: n, width: sourceWidth, height: sourceHeight, payload: { pixels } });
  }

  const beforeLoad = await settledRss();
  const started = performance.now();
  const backend = await createLocalBackend({ model: model.folder, device: args.device, dtype: args.dtype });
  const loadSeconds = (performance.now() - started) / 1000;
  const afterLoad = await settledRss();
  await backend.caption(batch, ['ssc', 'dsc']);
  const afterFirstBatch = await settledRss();
  await backend.dispose();
  const afterUnload = await settledRss();
  return { modelMiB: modelBytes / MiB, rssMiB: { beforeLoad, afterLoad, afterFirstBatch, afterUnload }, loadSeconds };
}

childMain(run);

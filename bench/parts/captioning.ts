// Captioning measurements, in one process (run by bench/run.ts through lib/child.ts):
//   prep      decode + preprocess alone (the pipeline's prepare, at the pipeline's prefetch concurrency)
//   inference inference alone on pixel tensors already in memory, same batching as the pipeline, with the
//             own decode loop and with transformers.js's generate() (a second backend), alternated
//   pipeline  runCaptioning end to end on a fresh manifest, checkpoints and the final save included
//             (prep, inference and pipeline run in interleaved rounds, each on its share of the images)
//   perTask   one call per task (a vision-encoder pass per task), alternated with both tasks in one call
//   baseline  transformers.js as its docs show it: one image at a time, RawImage.read, processor +
//             generate per task, post_process_generation, one line appended to a results file
// Every ONNX session run is counted and timed by role (lib/session-meter.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AutoProcessor, Florence2ForConditionalGeneration, RawImage, type Tensor } from '@huggingface/transformers';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { createLocalBackend } from '../../src/core/captioner/local/local-backend.js';
import type { DeviceRequest } from '../../src/core/captioner/local/device.js';
import type { DtypeRequest } from '../../src/core/captioner/local/dtype.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, type CaptionKind } from '../../src/shared/record.js';
import { childMain } from '../lib/child.js';
import { ensureBenchModel, modelOptions, type ModelSize } from '../lib/bench-model.js';
import { ensureCaptionImages } from '../lib/caption-images.js';
import { addMeters, installSessionMeter, readSessionMeter, resetSessionMeter, type MeterSnapshot } from '../lib/session-meter.js';
import type { TinyModelOptions } from '../../test/support/models/tiny-models.js';

export interface CaptioningArgs {
  outRoot: string;
  modelSize: ModelSize;
  modelOverrides: Partial<TinyModelOptions>;
  device: DeviceRequest;
  dtype: DtypeRequest;
  images: number;
  /** 0: the backend's default for the device. */
  batchSize: number;
  baselineImages: number;
  /** Images for the one-call-per-task comparison. */
  perTaskImages: number;
  /** Interleaved rounds of prep / inference / pipeline (each on its share of the images). */
  rounds: number;
}

export interface Measured {
  images: number;
  seconds: number;
  imagesPerSecond: number;
  msPerImage: number;
  /** Vision-encoder passes per image (images through vision_encoder / images captioned). */
  visionPassesPerImage: number | null;
  sessions: MeterSnapshot | null;
}

export interface CaptioningResult {
  model: { size: ModelSize; options: TinyModelOptions; folder: string; generatedSeconds: number | null; loadSeconds: number; describe: string };
  imageSet: { count: number; meanKiB: number; generatedSeconds: number | null };
  batchSize: number;
  prep: Measured;
  inference: Measured;
  /** Inference alone with transformers.js's generate() instead of the own loop, in the same rounds. */
  inferenceGenerate: Measured;
  /** One call per task, alternated with both tasks in one call on the same images (bothTasksMsPerImage). */
  perTask: Measured & { bothTasksMsPerImage: number };
  pipeline: Measured & { captioned: number; errors: number; manifestBytes: number };
  baseline: Measured;
}

const TASKS: CaptionKind[] = ['ssc', 'dsc'];
/** Prepared tensors kept for the inference-alone runs (cycled); the work does not depend on the pixels. */
const KEEP = 16;

function measured(images: number, ms: number, sessions: MeterSnapshot | null): Measured {
  const seconds = ms / 1000;
  return {
    images,
    seconds,
    imagesPerSecond: images / seconds,
    msPerImage: ms / images,
    visionPassesPerImage: sessions ? sessions.vision.items / images : null,
    sessions,
  };
}

async function timedWithMeter(work: () => Promise<void>): Promise<{ ms: number; sessions: MeterSnapshot }> {
  resetSessionMeter();
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, sessions: readSessionMeter() };
}

function progress(text: string): void {
  process.stderr.write(`  captioning: ${text}\n`);
}

async function run(args: CaptioningArgs): Promise<CaptioningResult> {
  installSessionMeter();
  const options = modelOptions(args.modelSize, args.modelOverrides);
  const model = await ensureBenchModel(args.outRoot, `florence2-${args.modelSize}`, options);
  if (model.generatedSeconds !== null) progress(`generated the ${args.modelSize} model in ${model.generatedSeconds.toFixed(1)} s`);
  const imageFolder = path.join(args.outRoot, 'caption-images');
  const imageSet = await ensureCaptionImages(imageFolder, args.images);
  if (imageSet.generatedSeconds !== null) progress(`generated ${args.images} JPEGs in ${imageSet.generatedSeconds.toFixed(1)} s`);
  const files = imageSet.names.map((n) => path.join(imageFolder, n));

  const loadStarted = performance.now();
  const backend = await createLocalBackend({ model: model.folder, device: args.device, dtype: args.dtype });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const batchSize = args.batchSize || backend.defaultBatchSize;
  progress(`${backend.describe()}, batch ${batchSize}, loaded in ${loadSeconds.toFixed(2)} s`);

  const generateBackend = await createLocalBackend({ model: model.folder, device: args.device, dtype: args.dtype, decodeLoop: 'generate' });

  // Warm-up: first runs allocate arenas and JIT the JS paths. Both loops must write the same captions.
  const warm = await Promise.all(files.slice(0, batchSize).map((f, i) => backend.prepare(f, imageSet.names[i]!)));
  const ownWarm = await backend.caption(warm, TASKS);
  const generateWarm = await generateBackend.caption(warm, TASKS);
  if (JSON.stringify(ownWarm) !== JSON.stringify(generateWarm)) throw new Error('the own decode loop and generate() wrote different captions');

  // The three measurements the ratios compare run in interleaved rounds (prep, inference, pipeline on
  // each round's share of the images), so a change in what else the machine runs hits all three alike.
  const concurrency = Math.min(4, 2 * batchSize); // the pipeline producer's decode concurrency
  const kept: PreparedImage[] = [];
  const manifestName = 'bench-pipeline.jsonl';
  const store = ManifestStore.fromText(imageFolder, '', manifestName);
  for (const name of imageSet.names) store.put(emptyRecord(name));
  const batches = (count: number): PreparedImage[][] => {
    const out: PreparedImage[][] = [];
    for (let i = 0; i < count; i += batchSize) {
      out.push(Array.from({ length: Math.min(batchSize, count - i) }, (_, j) => ({ ...kept[(i + j) % kept.length]!, fileName: `t${i + j}` })));
    }
    return out;
  };
  let prepMs = 0;
  let infMs = 0;
  let genMs = 0;
  let pipeMs = 0;
  let infSessions: MeterSnapshot | null = null;
  let genSessions: MeterSnapshot | null = null;
  let pipeSessions: MeterSnapshot | null = null;
  let captioned = 0;
  let errors = 0;
  const rounds = Math.max(1, Math.min(args.rounds, Math.floor(files.length / batchSize)));
  for (let round = 0; round < rounds; round++) {
    const from = Math.floor((round * files.length) / rounds);
    const to = Math.floor(((round + 1) * files.length) / rounds);
    // Decode + preprocess alone.
    let started = performance.now();
    let next = from;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < to) {
          const i = next++;
          const image = await backend.prepare(files[i]!, imageSet.names[i]!);
          if (kept.length < KEEP) kept.push(image);
        }
      }),
    );
    prepMs += performance.now() - started;
    // Inference alone, on tensors already in memory, in the pipeline's batches: the own loop and
    // generate() one after the other, the first of them alternating from round to round.
    for (const loop of round % 2 === 0 ? (['own', 'generate'] as const) : (['generate', 'own'] as const)) {
      const which = loop === 'own' ? backend : generateBackend;
      const inf = await timedWithMeter(async () => {
        for (const batch of batches(to - from)) await which.caption(batch, TASKS);
      });
      if (loop === 'own') {
        infMs += inf.ms;
        infSessions = addMeters(infSessions, inf.sessions);
      } else {
        genMs += inf.ms;
        genSessions = addMeters(genSessions, inf.sessions);
      }
    }
    // The pipeline on the same images: decode ahead, batches, manifest checkpoints and the final save.
    const only = imageSet.names.slice(from, to);
    started = performance.now();
    resetSessionMeter();
    const summary = await runCaptioning({ folder: imageFolder, store, backend, batchSize, tasks: TASKS, only });
    pipeMs += performance.now() - started;
    pipeSessions = addMeters(pipeSessions, readSessionMeter());
    captioned += summary.captioned;
    errors += summary.errors;
  }
  const prep = measured(files.length, prepMs, null);
  const inference = measured(files.length, infMs, infSessions);
  const inferenceGenerate = measured(files.length, genMs, genSessions);
  await generateBackend.dispose();
  const manifestBytes = (await fs.stat(path.join(imageFolder, manifestName))).size;
  await fs.rm(path.join(imageFolder, manifestName), { force: true });
  if (captioned !== files.length) throw new Error(`pipeline captioned ${captioned} of ${files.length} (${errors} errors)`);
  const pipeline = { ...measured(files.length, pipeMs, pipeSessions), captioned, errors, manifestBytes };
  progress(`${rounds} rounds: decode+preprocess alone ${prep.msPerImage.toFixed(1)} ms/image, inference alone ${inference.msPerImage.toFixed(1)} (generate() ${inferenceGenerate.msPerImage.toFixed(1)}), pipeline ${pipeline.msPerImage.toFixed(1)}`);

  // What encoding each image once saves: both tasks in one call (one vision pass) against one call per
  // task (a vision pass per task), alternated on the same tensors so drifting load hits both alike.
  let bothMs = 0;
  let perTaskMs = 0;
  let perTaskSessions: MeterSnapshot | null = null;
  const pairRounds = 3;
  for (let round = 0; round < pairRounds; round++) {
    const count = Math.max(batchSize, Math.round(args.perTaskImages / pairRounds));
    const both = await timedWithMeter(async () => {
      for (const batch of batches(count)) await backend.caption(batch, TASKS);
    });
    const perTaskRun = await timedWithMeter(async () => {
      for (const batch of batches(count)) for (const task of TASKS) await backend.caption(batch, [task]);
    });
    bothMs += both.ms;
    perTaskMs += perTaskRun.ms;
    perTaskSessions = addMeters(perTaskSessions, perTaskRun.sessions);
  }
  const perTaskCount = pairRounds * Math.max(batchSize, Math.round(args.perTaskImages / pairRounds));
  const perTask = { ...measured(perTaskCount, perTaskMs, perTaskSessions), bothTasksMsPerImage: bothMs / perTaskCount };
  progress(`one call per task: ${perTask.msPerImage.toFixed(1)} ms/image (${perTask.visionPassesPerImage} vision passes) against ${perTask.bothTasksMsPerImage.toFixed(1)} for both in one call`);
  await backend.dispose();

  // The baseline, loaded the way transformers.js's docs load Florence-2.
  const docsModel = await Florence2ForConditionalGeneration.from_pretrained(model.folder, { dtype: 'fp32', device: backend.device as 'cpu' | 'webgpu' | 'cuda', local_files_only: true });
  const processor = (await AutoProcessor.from_pretrained(model.folder, { local_files_only: true })) as unknown as {
    (image: RawImage, text: string): Promise<Record<string, Tensor>>;
    batch_decode(ids: Tensor, options: { skip_special_tokens: boolean }): string[];
    post_process_generation(text: string, task: string, size: [number, number]): Record<string, string>;
  };
  const results = path.join(args.outRoot, 'baseline-results.jsonl');
  await fs.rm(results, { force: true });
  const baselineOne = async (file: string) => {
    const image = await RawImage.read(file);
    const line: Record<string, string> = { file_name: path.basename(file) };
    for (const task of ['<CAPTION>', '<MORE_DETAILED_CAPTION>']) {
      const inputs = await processor(image, task);
      const ids = (await docsModel.generate({ ...inputs, max_new_tokens: 100 } as Parameters<typeof docsModel.generate>[0])) as Tensor;
      const text = processor.batch_decode(ids, { skip_special_tokens: false })[0]!;
      line[task] = processor.post_process_generation(text, task, image.size)[task]!;
    }
    await fs.appendFile(results, JSON.stringify(line) + '\n');
  };
  await baselineOne(files[0]!);
  const base = await timedWithMeter(async () => {
    for (const file of files.slice(0, args.baselineImages)) await baselineOne(file);
  });
  const baseline = measured(args.baselineImages, base.ms, base.sessions);
  progress(`baseline (transformers.js docs, one image at a time): ${baseline.msPerImage.toFixed(1)} ms/image`);
  await docsModel.dispose();

  return {
    model: { size: args.modelSize, options, folder: model.folder, generatedSeconds: model.generatedSeconds, loadSeconds, describe: backend.describe() },
    imageSet: { count: files.length, meanKiB: imageSet.meanKiB, generatedSeconds: imageSet.generatedSeconds },
    batchSize,
    prep,
    inference,
    inferenceGenerate,
    perTask,
    pipeline,
    baseline,
  };
}

childMain(run);

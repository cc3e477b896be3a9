// Weight precision on the CPU (run by bench/run.ts through lib/child.ts): inference alone on the same
// prepared images with each generated dtype (fp32, q8, q4) of the chosen model size, in alternated
// rounds (the order rotates each round, so drifting load hits every dtype alike), with the per-session
// table for each. The captions differ between dtypes (random weights); only the time is compared.
import * as path from 'node:path';
import type { PreparedImage } from '../../src/core/captioner/backend.js';
import { createLocalBackend, type LocalCaptionBackend } from '../../src/core/captioner/local/local-backend.js';
import type { DeviceRequest } from '../../src/core/captioner/local/device.js';
import type { Dtype } from '../../src/core/captioner/local/dtype.js';
import { GENERATED_DTYPES, type TinyModelOptions } from '../../test/support/models/tiny-models.js';
import type { CaptionKind } from '../../src/shared/record.js';
import { childMain } from '../lib/child.js';
import { ensureBenchModel, modelOptions, type ModelSize } from '../lib/bench-model.js';
import { ensureCaptionImages } from '../lib/caption-images.js';
import { addMeters, installSessionMeter, readSessionMeter, resetSessionMeter, type MeterSnapshot } from '../lib/session-meter.js';

export interface DtypeArgs {
  outRoot: string;
  modelSize: ModelSize;
  modelOverrides: Partial<TinyModelOptions>;
  device: DeviceRequest;
  images: number;
  /** 0: the backend's default for the device. */
  batchSize: number;
  rounds: number;
}

export interface DtypeRow {
  dtype: Dtype;
  describe: string;
  loadSeconds: number;
  images: number;
  msPerImage: number;
  sessions: MeterSnapshot;
}

export interface DtypeResult {
  model: { size: ModelSize; options: TinyModelOptions; generatedSeconds: number | null };
  batchSize: number;
  rounds: number;
  rows: DtypeRow[];
}

const TASKS: CaptionKind[] = ['ssc', 'dsc'];
/**
 * The generated fp16 is fp16-I/O (float32 arithmetic inside, casts at the boundaries): its time says nothing
 * of a real fp16 export's, so this part leaves it out.
 */
const DTYPES = GENERATED_DTYPES.filter((d) => d !== 'fp16');

async function run(args: DtypeArgs): Promise<DtypeResult> {
  installSessionMeter();
  const options = modelOptions(args.modelSize, args.modelOverrides);
  const model = await ensureBenchModel(args.outRoot, `florence2-${args.modelSize}`, options);
  if (model.generatedSeconds !== null) process.stderr.write(`  dtypes: generated the ${args.modelSize} model in ${model.generatedSeconds.toFixed(1)} s\n`);
  const imageFolder = path.join(args.outRoot, 'caption-images');
  const imageSet = await ensureCaptionImages(imageFolder, args.images);
  const backends = new Map<Dtype, { backend: LocalCaptionBackend; loadSeconds: number }>();
  for (const dtype of DTYPES) {
    const started = performance.now();
    const backend = await createLocalBackend({ model: model.folder, device: args.device, dtype });
    backends.set(dtype, { backend, loadSeconds: (performance.now() - started) / 1000 });
    process.stderr.write(`  dtypes: ${backend.describe()} loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const first = backends.get('fp32')!.backend;
  const batchSize = args.batchSize || first.defaultBatchSize;
  // The preprocessing does not depend on the weights: one set of tensors for every dtype.
  const prepared: PreparedImage[] = [];
  for (const [i, name] of imageSet.names.entries()) prepared.push(await first.prepare(path.join(imageFolder, name), `${i}`));
  const batches: PreparedImage[][] = [];
  for (let i = 0; i < prepared.length; i += batchSize) batches.push(prepared.slice(i, i + batchSize));
  for (const { backend } of backends.values()) await backend.caption(batches[0]!, TASKS);

  const totals = new Map<Dtype, { ms: number; sessions: MeterSnapshot | null }>(DTYPES.map((d) => [d, { ms: 0, sessions: null }]));
  for (let round = 0; round < args.rounds; round++) {
    const order = DTYPES.map((_, i) => DTYPES[(i + round) % DTYPES.length]!);
    for (const dtype of order) {
      resetSessionMeter();
      const started = performance.now();
      for (const batch of batches) await backends.get(dtype)!.backend.caption(batch, TASKS);
      const total = totals.get(dtype)!;
      total.ms += performance.now() - started;
      total.sessions = addMeters(total.sessions, readSessionMeter());
    }
    process.stderr.write(`  dtypes: round ${round + 1} of ${args.rounds} done\n`);
  }
  const images = prepared.length * args.rounds;
  const rows = DTYPES.map((dtype): DtypeRow => {
    const { backend, loadSeconds } = backends.get(dtype)!;
    const total = totals.get(dtype)!;
    return { dtype, describe: backend.describe(), loadSeconds, images, msPerImage: total.ms / images, sessions: total.sessions! };
  });
  for (const { backend } of backends.values()) await backend.dispose();
  return { model: { size: args.modelSize, options, generatedSeconds: model.generatedSeconds }, batchSize, rounds: args.rounds, rows };
}

childMain(run);

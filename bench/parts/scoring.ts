// Scoring measurements, in one process (run by bench/run.ts through lib/child.ts): the bench-sized dual
// encoder (the captioner bench model's widths and depths, CLIP's 224 px / 32 px patches and 77-token
// window, random weights) scoring the captioning part's JPEGs: per image one vision pass and one text pass
// over its alt-text, SSC and a DSC of four sentences (longer than the window, so scored per sentence).
import * as path from 'node:path';
import type { DeviceRequest } from '../../src/core/captioner/local/device.js';
import type { DtypeRequest } from '../../src/core/captioner/local/dtype.js';
import { writeTinyClip, type TinyClipOptions } from '../../test/support/models/tiny-clip.js';
import { ClipScorer } from '../../src/core/scoring/clip-scorer.js';
import { childMain } from '../lib/child.js';
import { ensureCaptionImages } from '../lib/caption-images.js';
import { ensureGeneratedModel, MODEL_SIZES, type ModelSize } from '../lib/bench-model.js';

export interface ScoringArgs {
  outRoot: string;
  modelSize: ModelSize;
  device: DeviceRequest;
  dtype: DtypeRequest;
  images: number;
}

export interface ScoringResult {
  model: { options: TinyClipOptions; describe: string; loadSeconds: number };
  images: number;
  textsPerImage: number;
  imagesPerSecond: number;
  msPerImage: number;
  visionMsPerImage: number;
  textMsPerImage: number;
}

/** The bench dual encoder: the captioner bench model's widths and depths at CLIP's input sizes. */
function scorerOptions(size: ModelSize): TinyClipOptions {
  const m = MODEL_SIZES[size];
  return { hiddenSize: m.hiddenSize, layers: m.layers, heads: m.heads, intermediateSize: m.intermediateSize, imageSize: 224, patchSize: 32, weights: 'random', seed: 11, vocabSize: m.vocabSize, textWindow: 77 };
}

const TEXTS = [
  'photo of a red square',
  'a red square on a white background',
  'The image shows a red square on a white background. The square is in the centre. ' +
    'The background is plain white and evenly lit, with no other objects in view. ' +
    'The colours are a saturated red against white. The style is a flat graphic with sharp edges and no texture at all.',
];

async function run(args: ScoringArgs): Promise<ScoringResult> {
  const options = scorerOptions(args.modelSize);
  const { folder } = await ensureGeneratedModel(path.join(args.outRoot, 'models', `clip-${options.hiddenSize}x${options.layers}`), options, (f) => writeTinyClip(f, options));
  const imageFolder = path.join(args.outRoot, 'caption-images');
  const imageSet = await ensureCaptionImages(imageFolder, args.images);
  const files = imageSet.names.map((n) => path.join(imageFolder, n));
  const loadStarted = performance.now();
  const scorer = await ClipScorer.load({ model: folder, device: args.device, dtype: args.dtype });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  try {
    // Warm up on a few images, then measure the rest.
    for (const f of files.slice(0, 4)) await scorer.scoreTexts(await scorer.embedImage(f), TEXTS);
    let visionMs = 0;
    let textMs = 0;
    const started = performance.now();
    for (const file of files) {
      const t0 = performance.now();
      const image = await scorer.embedImage(file);
      const t1 = performance.now();
      await scorer.scoreTexts(image, TEXTS);
      visionMs += t1 - t0;
      textMs += performance.now() - t1;
    }
    const ms = performance.now() - started;
    return {
      model: { options, describe: scorer.describe(), loadSeconds },
      images: files.length,
      textsPerImage: TEXTS.length,
      imagesPerSecond: files.length / (ms / 1000),
      msPerImage: ms / files.length,
      visionMsPerImage: visionMs / files.length,
      textMsPerImage: textMs / files.length,
    };
  } finally {
    await scorer.dispose();
  }
}

childMain(run);

// One small interface per model family: which files it needs, which captions it can write, and how it
// turns a batch of preprocessed images into texts. Adding a family is one module implementing this, listed
// in families/index.ts.
import type { CaptionFinish, CaptionKind } from '../../../../shared/record.js';
import type { Device } from '../device.js';
import type { Dtype } from '../dtype.js';
import type { PostprocessOptions } from '../postprocess.js';
import type { FloatType } from './input-types.js';

/** The fields of config.json that family detection reads. */
export interface ModelConfig {
  model_type?: string;
  architectures?: string[];
  [key: string]: unknown;
}

/** Preprocessed images of one batch: CHW images back to back, as float32 values or float16 bits. */
export interface PixelBatch {
  data: Float32Array | Uint16Array;
  count: number;
  width: number;
  height: number;
}

export interface FamilyLoadOptions {
  device: Device;
  dtype: Dtype;
  /** Florence-2 task tokens per caption kind (default <CAPTION> and <MORE_DETAILED_CAPTION>). */
  taskPrompts?: Partial<Record<CaptionKind, string>>;
  /** Cap on generated tokens per caption (default: the model's generation_config). */
  maxNewTokens?: number;
  postprocess?: PostprocessOptions;
  /** Which loop generates the tokens (default 'own'; 'generate' is transformers.js's, for comparison). */
  decodeLoop?: DecodeLoop;
}

/** The own greedy decode loop (src/core/captioner/local/decode), or transformers.js's generate(). */
export const DECODE_LOOPS = ['own', 'generate'] as const;
export type DecodeLoop = (typeof DECODE_LOOPS)[number];

/** One caption as the model wrote it, and why its generation ended. */
export interface GeneratedCaption {
  text: string;
  finish: CaptionFinish;
}

export interface FamilyModel {
  /** The loop in use, and why it is not the one asked for when it is not (a config it cannot follow). */
  readonly decodeLoop: { loop: DecodeLoop; note?: string };
  /** The type the image encoder declares for its pixels: a batch in it is fed as is, another is converted. */
  readonly pixelType: FloatType;
  /** Captions per requested kind, in the order of the batch's images. */
  caption(batch: PixelBatch, tasks: readonly CaptionKind[]): Promise<Partial<Record<CaptionKind, GeneratedCaption[]>>>;
  dispose(): Promise<void>;
}

/** What finding and fetching a model needs to know of its kind: its name, its ONNX files, its config. */
export interface ModelLayout {
  readonly name: string;
  /** ONNX sessions it loads: onnx/<session><dtype suffix>.onnx. */
  readonly sessions: readonly string[];
  matches(config: ModelConfig): boolean;
}

/** The kinds of model one command accepts, and how to say what they are in an error. */
export interface ModelKinds<F extends ModelLayout> {
  readonly layouts: readonly F[];
  /** e.g. "Florence-2 and vit-gpt2-style vision-encoder-decoder models". */
  readonly description: string;
}

export interface ModelFamily extends ModelLayout {
  /** The caption kinds it can write. */
  readonly tasks: readonly CaptionKind[];
  load(folder: string, options: FamilyLoadOptions): Promise<FamilyModel>;
}

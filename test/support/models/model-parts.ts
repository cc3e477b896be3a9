// The layers every generated model is made of: options and dimensions, seeded weights, the vision tower,
// encoder blocks and the attention steps of a decoder with a key/value cache. Florence-2, vit-gpt2 and
// CLIP graphs are assembled from these (tiny-florence2.ts, tiny-vit-gpt2.ts, tiny-clip.ts).
//
// The first RESERVED channels of every hidden state are hand-set (four colour scores and the task flag,
// see caption-script.ts) and pass through the blocks untouched: a block's output projections have zero
// columns there (`protectOut`).
import { DataType } from '../../../src/core/captioner/onnx/onnx-proto.js';
import { GraphBuilder } from '../../../src/core/captioner/onnx/graph-builder.js';
import { seededRandom } from '../../../src/core/util/seeded-random.js';
import type { QuantizedDtype } from './quantize.js';

export interface TinyModelOptions {
  /** Model width D; at least 5 (four colour channels and the task flag) and a multiple of `heads`. */
  hiddenSize: number;
  /** Transformer blocks in each stack (vision, text encoder, decoder). */
  layers: number;
  heads: number;
  /** MLP width; defaults to 2 x hiddenSize. */
  intermediateSize?: number;
  /** Square input size the processor resizes to. */
  imageSize: number;
  patchSize: number;
  weights: 'scripted' | 'random';
  /** Seed for 'random' weights. */
  seed?: number;
  /** 'random' only: pad the vocabulary with synthetic words to this size. */
  vocabSize?: number;
  /**
   * 'random' only: generated tokens per caption (the end-of-sequence token comes right after); a list
   * gives one length per colour class (red, green, blue, gray), so rows of a batch end at different steps.
   */
  lengths?: { ssc: number | readonly number[]; dsc: number | readonly number[] };
  /** Weight files to write (default GENERATED_DTYPES): fp32 and the fp16-I/O, q8 and q4 variants of every session. */
  dtypes?: readonly GeneratedDtype[];
}

export type GeneratedDtype = 'fp32' | 'fp16' | QuantizedDtype;

export const COLOURS = ['red', 'green', 'blue', 'gray'] as const;
/** Colour score per class from a patch's mean (r, g, b) in [-1, 1]: the dominant channel wins, else gray. */
const COLOUR_WEIGHTS: readonly (readonly [number, number, number, number])[] = [
  [1, -0.5, -0.5, 0],
  [-0.5, 1, -0.5, 0],
  [-0.5, -0.5, 1, 0],
  [0, 0, 0, 0.3],
];
/** The task-flag channel. */
export const FLAG = COLOURS.length;
export const RESERVED = COLOURS.length + 1;

/** Weight values: seeded uniform(-a, a) for 'random' (a = 1/sqrt(fan-in)), zeros for 'scripted'. */
export class WeightSource {
  private readonly next: () => number;
  constructor(private readonly options: TinyModelOptions) {
    this.next = seededRandom(options.seed ?? 1);
  }
  get random(): boolean {
    return this.options.weights === 'random';
  }
  /** [rows, cols] matrix; `protectOut` zeroes the columns of the reserved channels (blocks never write them). */
  matrix(rows: number, cols: number, protectOut = false): number[] {
    const out = new Array<number>(rows * cols).fill(0);
    if (!this.random) return out;
    const a = 1 / Math.sqrt(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = protectOut && c < RESERVED ? 0 : (this.next() * 2 - 1) * a;
    return out;
  }
}

export interface Dims {
  d: number;
  heads: number;
  headDim: number;
  ffn: number;
}

export function dimsOf(o: TinyModelOptions): Dims {
  if (o.hiddenSize < RESERVED) throw new Error(`hiddenSize must be at least ${RESERVED}`);
  if (o.hiddenSize % o.heads !== 0) throw new Error('hiddenSize must be a multiple of heads');
  if (o.imageSize % o.patchSize !== 0) throw new Error('imageSize must be a multiple of patchSize');
  return { d: o.hiddenSize, heads: o.heads, headDim: o.hiddenSize / o.heads, ffn: o.intermediateSize ?? 2 * o.hiddenSize };
}

/** What one session's graph is built with: its builder, the dimensions, and weights seeded per session. */
export interface SessionGraph {
  g: GraphBuilder;
  dm: Dims;
  w: WeightSource;
}

/** Starts session number `session` of a model (the seed differs per session, so their weights do). */
export function sessionGraph(name: string, o: TinyModelOptions, session: number): SessionGraph {
  return { dm: dimsOf(o), w: new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + session }), g: new GraphBuilder(name) };
}

export function projection(g: GraphBuilder, w: WeightSource, rows: number, cols: number, protectOut = false) {
  return { weight: g.weight('w', [rows, cols], w.matrix(rows, cols, protectOut)), bias: g.weight('b', [cols], new Array(cols).fill(0)) };
}

/** x [B, S, D] projected and split into heads: [B, H, S, hd]. */
export function headsOf(g: GraphBuilder, w: WeightSource, x: string, dm: Dims): string {
  return g.splitHeads(g.linear(x, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
}

/** x + the attention of q over (k, v), merged and projected back (the projection never writes the reserved channels). */
export function residualAttention(g: GraphBuilder, w: WeightSource, x: string, q: string, k: string, v: string, dm: Dims, mask?: string): string {
  return g.op('Add', [x, g.linear(g.mergeHeads(g.attend(q, k, v, dm.headDim, mask), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true))]);
}

/** Pre-LN self-attention + MLP block with residuals, as in ViT/BART encoders. */
export function encoderBlock(g: GraphBuilder, w: WeightSource, x: string, dm: Dims, mask?: string): string {
  const a = g.layerNorm(x, dm.d);
  const h = residualAttention(g, w, x, headsOf(g, w, a, dm), headsOf(g, w, a, dm), headsOf(g, w, a, dm), dm, mask);
  return withMlp(g, w, h, dm);
}

/** h + a pre-LN ReLU MLP of h. */
export function withMlp(g: GraphBuilder, w: WeightSource, h: string, dm: Dims): string {
  const up = g.op('Relu', [g.linear(g.layerNorm(h, dm.d), projection(g, w, dm.d, dm.ffn))]);
  return g.op('Add', [h, g.linear(up, projection(g, w, dm.ffn, dm.d, true))]);
}

/** pixel_values [B,3,H,W] -> [B, patches, D]: patch embedding (colour channels hand-set) and blocks. */
export function visionTower(g: GraphBuilder, w: WeightSource, o: TinyModelOptions, dm: Dims): string {
  const pixels = g.input('pixel_values', DataType.FLOAT, ['batch_size', 3, 'height', 'width']);
  const p = o.patchSize;
  const kernel = w.matrix(3 * p * p, dm.d).slice(); // reuse the generator, then lay out as [D, 3, p, p]
  const conv = new Array<number>(dm.d * 3 * p * p).fill(0);
  const bias = new Array<number>(dm.d).fill(0);
  for (let c = 0; c < dm.d; c++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let i = 0; i < p * p; i++) {
        const at = (c * 3 + ch) * p * p + i;
        if (c < COLOURS.length) conv[at] = COLOUR_WEIGHTS[c]![ch]! / (p * p);
        else if (c >= RESERVED) conv[at] = kernel[(ch * p * p + i) * dm.d + c]!;
      }
    }
    if (c < COLOURS.length) bias[c] = COLOUR_WEIGHTS[c]![3]!;
  }
  const patches = g.op('Conv', [pixels, g.weight('patch_w', [dm.d, 3, p, p], conv), g.weight('patch_b', [dm.d], bias)], {
    kernel_shape: [p, p],
    strides: [p, p],
  });
  let x = g.op('Transpose', [g.op('Reshape', [patches, g.ints([0, 0, -1])])], { perm: [0, 2, 1] });
  for (let l = 0; l < o.layers; l++) x = encoderBlock(g, w, x, dm);
  return x;
}

export function kvShape(dm: Dims, length: string): (number | string)[] {
  return ['batch_size', dm.heads, length, dm.headDim];
}

/** Where a decoder block's self-attention cache comes in and goes out. */
export interface SelfAttentionCache {
  pastKey: string;
  pastValue: string;
  /** Output names of the grown cache. */
  presentKey: string;
  presentValue: string;
  /** The symbolic length of the past cache, as the model's input declares it. */
  pastLength: string;
}

/** h + self-attention over the cache and the new positions; outputs the grown cache. */
export function cachedSelfAttention(g: GraphBuilder, w: WeightSource, h: string, dm: Dims, cache: SelfAttentionCache): string {
  const a = g.layerNorm(h, dm.d);
  const q = headsOf(g, w, a, dm);
  const k = g.op('Concat', [cache.pastKey, headsOf(g, w, a, dm)], { axis: 2 });
  const v = g.op('Concat', [cache.pastValue, headsOf(g, w, a, dm)], { axis: 2 });
  g.output(k, cache.presentKey, DataType.FLOAT, kvShape(dm, `${cache.pastLength} + 1`));
  g.output(v, cache.presentValue, DataType.FLOAT, kvShape(dm, `${cache.pastLength} + 1`));
  return residualAttention(g, w, h, q, k, v, dm);
}

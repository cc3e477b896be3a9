// Generates small captioning models in exactly the Hugging Face ONNX layout that transformers.js 4.3.1
// loads (see ../shared/notes/captioner-runtime.md for the contracts): a Florence-2 layout and a
// vision-encoder-decoder (vit-gpt2) layout. Deterministic: the same options give the same bytes.
//
// How the caption depends on the image: the patch embedding hand-sets four "colour score" channels
// (red, green, blue, gray) from each patch's mean RGB; the decoder averages them over the encoder output,
// takes the argmax as the image's class, and a scripted token table, indexed by (class, task, position),
// pushes the logits of the caption's next word. The task (SSC or DSC) reaches the decoder through a flag
// channel that the embedding sets for the prompt words "detail" and "paragraph". These reserved channels
// pass through the transformer blocks untouched (the blocks never write to them).
//
// weights: 'scripted' zeroes every block weight, so the tiny fixtures are a few KB and fully predictable.
// weights: 'random' fills the blocks with seeded random weights: a model with real compute (for benchmarks)
// whose script only fixes where the end-of-sequence token falls, so SSC and DSC have fixed lengths.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataType } from './onnx-proto.js';
import { encodeModel } from './onnx-proto.js';
import { GraphBuilder } from './graph-builder.js';
import { quantizeGraph, type QuantizedDtype } from './quantize.js';
import { withHalfIO } from './fp16-io.js';
import { onnxFileName } from '../local/dtype.js';
import type { GraphData } from './onnx-proto.js';
import { seededRandom } from '../../util/seeded-random.js';

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

export const TINY_FLORENCE2: TinyModelOptions = { hiddenSize: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 4, weights: 'scripted' };
export const TINY_VIT_GPT2: TinyModelOptions = { hiddenSize: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 4, weights: 'scripted' };

export const OPSET = 17;
/** Bumped when the generator's output changes for the same options (2: the q8 and q4 files; 3: fp16). */
export const GENERATOR_VERSION = 3;
export const PRODUCER = 'recaption tiny-model generator';
export const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;
const BOS = 0;
const PAD = 1;
const EOS = 2;
export const COLOURS = ['red', 'green', 'blue', 'gray'] as const;
/** Colour score per class from a patch's mean (r, g, b) in [-1, 1]: the dominant channel wins, else gray. */
const COLOUR_WEIGHTS: readonly (readonly [number, number, number, number])[] = [
  [1, -0.5, -0.5, 0],
  [-0.5, 1, -0.5, 0],
  [-0.5, -0.5, 1, 0],
  [0, 0, 0, 0.3],
];
const FLAG = COLOURS.length; // the task-flag channel
export const RESERVED = COLOURS.length + 1;
const DETAIL_WORDS = ['detail', 'paragraph'];
const FORCE = 1e4;

const PROMPTS = {
  '<CAPTION>': 'What does the image describe?',
  '<DETAILED_CAPTION>': 'Describe in detail what is shown in the image.',
  '<MORE_DETAILED_CAPTION>': 'Describe with a paragraph what is shown in the image.',
} as const;

function sscWords(colour: string): string[] {
  return `a ${colour} square`.split(' ');
}

function dscWords(colour: string): string[] {
  return `a ${colour} square on a plain background . the square is filled with one flat ${colour} colour and nothing else . the overall mood of the image is calm .`.split(' ');
}


export interface Vocabulary {
  words: string[];
  id: (word: string) => number;
}

function buildVocabulary(options: TinyModelOptions): Vocabulary {
  const words: string[] = [...SPECIALS];
  const add = (w: string) => {
    if (!words.includes(w)) words.push(w);
  };
  for (const prompt of Object.values(PROMPTS)) for (const w of prompt.toLowerCase().replace(/([?.,])/g, ' $1').split(/\s+/)) add(w);
  for (const c of COLOURS) for (const w of [...sscWords(c), ...dscWords(c)]) add(w);
  for (let i = 0; words.length < (options.vocabSize ?? 0); i++) add(`w${i}`);
  const index = new Map(words.map((w, i) => [w, i]));
  return {
    words,
    id: (w) => {
      const i = index.get(w);
      if (i === undefined) throw new Error(`word "${w}" is not in the vocabulary`);
      return i;
    },
  };
}

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

function projection(g: GraphBuilder, w: WeightSource, rows: number, cols: number, protectOut = false) {
  return { weight: g.weight('w', [rows, cols], w.matrix(rows, cols, protectOut)), bias: g.weight('b', [cols], new Array(cols).fill(0)) };
}

/** Pre-LN self-attention + MLP block with residuals, as in ViT/BART encoders. */
export function encoderBlock(g: GraphBuilder, w: WeightSource, x: string, dm: Dims, mask?: string): string {
  const a = g.layerNorm(x, dm.d);
  const q = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
  const k = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
  const v = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
  const attn = g.linear(g.mergeHeads(g.attend(q, k, v, dm.headDim, mask), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true));
  const h = g.op('Add', [x, attn]);
  return g.op('Add', [h, mlp(g, w, h, dm)]);
}

function mlp(g: GraphBuilder, w: WeightSource, x: string, dm: Dims): string {
  const up = g.op('Relu', [g.linear(g.layerNorm(x, dm.d), projection(g, w, dm.d, dm.ffn))]);
  return g.linear(up, projection(g, w, dm.ffn, dm.d, true));
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

/**
 * The scripted logits: FORCE on the token that script[(class, task, position)] names, nothing where it
 * names `vocab` (the "no opinion" column). Class from the mean colour channels of the encoder output, task
 * from the max of the flag channel, position from the self-attention cache length.
 */
function scriptedLogits(g: GraphBuilder, enc: string, pastKey: string, seqSource: string, script: number[], tasks: number, positions: number, vocab: number): string {
  const colourScores = g.op('ReduceMean', [g.op('Slice', [enc, g.ints([0]), g.ints([COLOURS.length]), g.ints([2])])], { axes: [1], keepdims: 0 });
  const cls = g.op('ArgMax', [colourScores], { axis: -1, keepdims: 0 }); // [B]
  let row = g.op('Mul', [cls, g.ints([tasks * positions])]);
  if (tasks > 1) {
    const flag = g.op('ReduceMax', [g.op('Slice', [enc, g.ints([FLAG]), g.ints([FLAG + 1]), g.ints([2])])], { axes: [1, 2], keepdims: 0 });
    const task = g.op('Cast', [g.op('Greater', [flag, g.scalar(0.5)])], { to: DataType.INT64 });
    row = g.op('Add', [row, g.op('Mul', [task, g.ints([positions])])]);
  }
  const past = g.op('Gather', [g.op('Shape', [pastKey]), g.ints([2], true)], { axis: 0 });
  const seq = g.op('Gather', [g.op('Shape', [seqSource]), g.ints([1], true)], { axis: 0 });
  const pos = g.op('Min', [g.op('Range', [past, g.op('Add', [past, seq]), g.ints([1], true)]), g.ints([positions - 1], true)]);
  const index = g.op('Add', [g.op('Unsqueeze', [row, g.ints([1])]), g.op('Unsqueeze', [pos, g.ints([0])])]); // [B, S]
  const token = g.op('Gather', [g.ints(script), index], { axis: 0 });
  const hot = g.op('OneHot', [token, g.ints([vocab + 1], true), g.weight('onehot_values', [2], [0, FORCE])], { axis: -1 });
  return g.op('Slice', [hot, g.ints([0]), g.ints([vocab]), g.ints([2])]);
}

/** Token table [class][task][position] flattened; `vocab` means "no opinion". */
function buildScript(vocab: Vocabulary, o: TinyModelOptions, family: 'florence2' | 'ved'): { script: number[]; tasks: number; positions: number } {
  const offset = family === 'florence2' ? 1 : 0; // Florence-2 decodes </s> <s> words...: <s> is forced at step 0
  const tasks = family === 'florence2' ? 2 : 1;
  const none = vocab.words.length;
  const sequences: number[][] = [];
  for (const [c, colour] of COLOURS.entries()) {
    for (let t = 0; t < tasks; t++) {
      let words: number[];
      if (o.weights === 'random') {
        const spec = t === 0 ? (o.lengths?.ssc ?? 20) : (o.lengths?.dsc ?? 80);
        const n = typeof spec === 'number' ? spec : spec[c]!;
        words = new Array<number>(n).fill(none);
      } else {
        words = (t === 0 ? sscWords(colour) : dscWords(colour)).map(vocab.id);
      }
      sequences.push([...(offset ? [BOS] : []), ...words, EOS]);
    }
  }
  const positions = Math.max(...sequences.map((s) => s.length));
  const script: number[] = [];
  for (const s of sequences) script.push(...s, ...new Array<number>(positions - s.length).fill(EOS));
  return { script, tasks, positions };
}

/** Final logits: LM head (+ bias that keeps random weights off special tokens) + scripted forcing. */
function lmHead(g: GraphBuilder, w: WeightSource, h: string, dm: Dims, vocab: Vocabulary, forced: string): string {
  const v = vocab.words.length;
  const bias = new Array<number>(v).fill(0);
  if (w.random) for (let i = 0; i < SPECIALS.length; i++) bias[i] = -1e3;
  const logits = g.linear(g.layerNorm(h, dm.d), { weight: g.weight('lm_head', [dm.d, v], w.matrix(dm.d, v)), bias: g.weight('final_logits_bias', [v], bias) });
  return g.op('Add', [logits, forced]);
}

/** Embedding table [V, D]: the flag channel set for the detail words, random elsewhere in 'random'. */
function embeddingTable(w: WeightSource, vocab: Vocabulary, dm: Dims): number[] {
  const table = w.matrix(vocab.words.length, dm.d, true);
  for (const word of DETAIL_WORDS) table[vocab.id(word) * dm.d + FLAG] = 1;
  return table;
}

interface SelfAttention {
  q: string;
  k: string;
  v: string;
}

function cachedSelfAttention(g: GraphBuilder, w: WeightSource, a: string, dm: Dims, pastK: string, pastV: string): SelfAttention {
  const q = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
  const k = g.op('Concat', [pastK, g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim)], { axis: 2 });
  const v = g.op('Concat', [pastV, g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim)], { axis: 2 });
  return { q, k, v };
}

function kvShape(dm: Dims, length: string): (number | string)[] {
  return ['batch_size', dm.heads, length, dm.headDim];
}

// ---------------------------------------------------------------------------------------------- Florence-2

function florenceVisionEncoder(o: TinyModelOptions): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 1 });
  const g = new GraphBuilder('vision_encoder');
  g.output(visionTower(g, w, o, dm), 'image_features', DataType.FLOAT, ['batch_size', 'image_tokens', dm.d]);
  return g.build();
}

function florenceEmbedTokens(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 2 });
  const g = new GraphBuilder('embed_tokens');
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const table = g.weight('embed_tokens', [vocab.words.length, dm.d], embeddingTable(w, vocab, dm));
  g.output(g.op('Gather', [table, ids], { axis: 0 }), 'inputs_embeds', DataType.FLOAT, ['batch_size', 'sequence_length', dm.d]);
  return g.build();
}

function florenceEncoder(o: TinyModelOptions): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 3 });
  const g = new GraphBuilder('encoder_model');
  let x = g.input('inputs_embeds', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  const mask = g.additiveMask(g.input('attention_mask', DataType.INT64, ['batch_size', 'encoder_sequence_length']));
  for (let l = 0; l < o.layers; l++) x = encoderBlock(g, w, x, dm, mask);
  g.output(x, 'last_hidden_state', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  return g.build();
}

function florenceDecoder(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 4 });
  const g = new GraphBuilder('decoder_model_merged');
  const embeds = g.input('inputs_embeds', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', dm.d]);
  const enc = g.input('encoder_hidden_states', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  const encMask = g.additiveMask(g.input('encoder_attention_mask', DataType.INT64, ['batch_size', 'encoder_sequence_length']));
  const past = Array.from({ length: o.layers }, (_, i) => ({
    dk: g.input(`past_key_values.${i}.decoder.key`, DataType.FLOAT, kvShape(dm, 'past_decoder_sequence_length')),
    dv: g.input(`past_key_values.${i}.decoder.value`, DataType.FLOAT, kvShape(dm, 'past_decoder_sequence_length')),
    ek: g.input(`past_key_values.${i}.encoder.key`, DataType.FLOAT, kvShape(dm, 'encoder_sequence_length_out')),
    ev: g.input(`past_key_values.${i}.encoder.value`, DataType.FLOAT, kvShape(dm, 'encoder_sequence_length_out')),
  }));
  const useCache = g.input('use_cache_branch', DataType.BOOL, [1]);
  const useCacheScalar = g.op('Squeeze', [useCache, g.ints([0])]);

  let h = embeds;
  for (let i = 0; i < o.layers; i++) {
    const p = past[i]!;
    const self = cachedSelfAttention(g, w, g.layerNorm(h, dm.d), dm, p.dk, p.dv);
    g.output(self.k, `present.${i}.decoder.key`, DataType.FLOAT, kvShape(dm, 'past_decoder_sequence_length + 1'));
    g.output(self.v, `present.${i}.decoder.value`, DataType.FLOAT, kvShape(dm, 'past_decoder_sequence_length + 1'));
    h = g.op('Add', [h, g.linear(g.mergeHeads(g.attend(self.q, self.k, self.v, dm.headDim), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true))]);

    // Cross-attention keys/values: computed from the encoder output on the first step, reused after
    // (the optimum "merged" contract: use_cache_branch picks the branch).
    const a = g.layerNorm(h, dm.d);
    const q = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
    const kW = projection(g, w, dm.d, dm.d);
    const vW = projection(g, w, dm.d, dm.d);
    const reuse = new GraphBuilder(`reuse_${i}`, `reuse${i}_`);
    reuse.output(reuse.op('Identity', [p.ek]), `reuse${i}_k`, DataType.FLOAT);
    reuse.output(reuse.op('Identity', [p.ev]), `reuse${i}_v`, DataType.FLOAT);
    const compute = new GraphBuilder(`compute_${i}`, `compute${i}_`);
    compute.output(compute.splitHeads(compute.linear(enc, kW), dm.heads, dm.headDim), `compute${i}_k`, DataType.FLOAT);
    compute.output(compute.splitHeads(compute.linear(enc, vW), dm.heads, dm.headDim), `compute${i}_v`, DataType.FLOAT);
    const [ck, cv] = g.opN('If', [useCacheScalar], 2, { then_branch: reuse.build(), else_branch: compute.build() });
    g.output(ck!, `present.${i}.encoder.key`, DataType.FLOAT, kvShape(dm, 'encoder_sequence_length_out'));
    g.output(cv!, `present.${i}.encoder.value`, DataType.FLOAT, kvShape(dm, 'encoder_sequence_length_out'));
    h = g.op('Add', [h, g.linear(g.mergeHeads(g.attend(q, ck!, cv!, dm.headDim, encMask), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true))]);
    h = g.op('Add', [h, mlp(g, w, h, dm)]);
  }
  const { script, tasks, positions } = buildScript(vocab, o, 'florence2');
  const forced = scriptedLogits(g, enc, past[0]?.dk ?? embeds, embeds, script, tasks, positions, vocab.words.length);
  g.output(lmHead(g, w, h, dm, vocab, forced), 'logits', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', vocab.words.length]);
  return g.build();
}

// ------------------------------------------------------------------------------ vision-encoder-decoder

function vedEncoder(o: TinyModelOptions): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 5 });
  const g = new GraphBuilder('encoder_model');
  g.output(visionTower(g, w, o, dm), 'last_hidden_state', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  return g.build();
}

function vedDecoder(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const dm = dimsOf(o);
  const w = new WeightSource({ ...o, seed: (o.seed ?? 1) * 7 + 6 });
  const g = new GraphBuilder('decoder_model_merged');
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  const past = Array.from({ length: o.layers }, (_, i) => ({
    k: g.input(`past_key_values.${i}.key`, DataType.FLOAT, kvShape(dm, 'past_sequence_length')),
    v: g.input(`past_key_values.${i}.value`, DataType.FLOAT, kvShape(dm, 'past_sequence_length')),
  }));
  // gpt2's merged export takes the flag; this graph does not need it (cross-attention is recomputed).
  g.input('use_cache_branch', DataType.BOOL, [1]);
  let h = g.op('Gather', [g.weight('wte', [vocab.words.length, dm.d], embeddingTable(w, vocab, dm)), ids], { axis: 0 });
  for (let i = 0; i < o.layers; i++) {
    const p = past[i]!;
    const self = cachedSelfAttention(g, w, g.layerNorm(h, dm.d), dm, p.k, p.v);
    g.output(self.k, `present.${i}.key`, DataType.FLOAT, kvShape(dm, 'past_sequence_length + 1'));
    g.output(self.v, `present.${i}.value`, DataType.FLOAT, kvShape(dm, 'past_sequence_length + 1'));
    h = g.op('Add', [h, g.linear(g.mergeHeads(g.attend(self.q, self.k, self.v, dm.headDim), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true))]);
    const a = g.layerNorm(h, dm.d);
    const q = g.splitHeads(g.linear(a, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
    const k = g.splitHeads(g.linear(enc, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
    const v = g.splitHeads(g.linear(enc, projection(g, w, dm.d, dm.d)), dm.heads, dm.headDim);
    h = g.op('Add', [h, g.linear(g.mergeHeads(g.attend(q, k, v, dm.headDim), dm.heads, dm.headDim), projection(g, w, dm.d, dm.d, true))]);
    h = g.op('Add', [h, mlp(g, w, h, dm)]);
  }
  const { script, tasks, positions } = buildScript(vocab, o, 'ved');
  const forced = scriptedLogits(g, enc, past[0]?.k ?? ids, ids, script, tasks, positions, vocab.words.length);
  g.output(lmHead(g, w, h, dm, vocab, forced), 'logits', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', vocab.words.length]);
  return g.build();
}

// ------------------------------------------------------------------------------------ configs, tokenizer

export function tokenizerJson(vocab: Vocabulary, withTemplate: boolean): unknown {
  const special = (id: number) => ({ id, content: vocab.words[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((_, i) => special(i)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: withTemplate
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
          pair: [
            { SpecialToken: { id: '<s>', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '</s>', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 0 } },
            { SpecialToken: { id: '</s>', type_id: 0 } },
          ],
          special_tokens: {
            '<s>': { id: '<s>', ids: [BOS], tokens: ['<s>'] },
            '</s>': { id: '</s>', ids: [EOS], tokens: ['</s>'] },
          },
        }
      : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '<unk>',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.words.map((w, i) => [w, i])),
    },
  };
}

export function tokenizerConfig(maxLength = 1024): unknown {
  return {
    tokenizer_class: 'BertTokenizer',
    bos_token: '<s>',
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
  };
}

function imageStats(o: TinyModelOptions) {
  return {
    do_resize: true,
    size: { height: o.imageSize, width: o.imageSize },
    resample: 3,
    do_center_crop: false,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  };
}

function maxLength(o: TinyModelOptions, vocab: Vocabulary, family: 'florence2' | 'ved'): number {
  return buildScript(vocab, o, family).positions + 4;
}

function florenceFiles(o: TinyModelOptions): Record<string, string | Uint8Array> {
  const vocab = buildVocabulary(o);
  const dm = dimsOf(o);
  const textConfig = {
    model_type: 'florence2_language',
    d_model: dm.d,
    encoder_layers: o.layers,
    decoder_layers: o.layers,
    encoder_attention_heads: dm.heads,
    decoder_attention_heads: dm.heads,
    encoder_ffn_dim: dm.ffn,
    decoder_ffn_dim: dm.ffn,
    vocab_size: vocab.words.length,
    max_position_embeddings: 1024,
    bos_token_id: BOS,
    eos_token_id: EOS,
    pad_token_id: PAD,
    decoder_start_token_id: EOS,
    forced_bos_token_id: BOS,
    is_encoder_decoder: true,
  };
  const patches = (o.imageSize / o.patchSize) ** 2;
  return {
    'config.json': json({
      architectures: ['Florence2ForConditionalGeneration'],
      model_type: 'florence2',
      is_encoder_decoder: true,
      bos_token_id: BOS,
      eos_token_id: EOS,
      pad_token_id: PAD,
      vocab_size: vocab.words.length,
      projection_dim: dm.d,
      text_config: textConfig,
      vision_config: { model_type: 'davit', projection_dim: dm.d, image_size: o.imageSize, patch_size: o.patchSize },
      recaption_generator: generatorNote(o),
    }),
    'generation_config.json': json({
      bos_token_id: BOS,
      eos_token_id: EOS,
      pad_token_id: PAD,
      decoder_start_token_id: EOS,
      forced_bos_token_id: BOS,
      max_length: maxLength(o, vocab, 'florence2'),
      num_beams: 1,
    }),
    'preprocessor_config.json': json({
      processor_class: 'Florence2Processor',
      image_processor_type: 'CLIPImageProcessor',
      ...imageStats(o),
      do_convert_rgb: null,
      crop_size: { height: o.imageSize, width: o.imageSize },
      image_seq_length: patches,
      tasks_answer_post_processing_type: { '<CAPTION>': 'pure_text', '<DETAILED_CAPTION>': 'pure_text', '<MORE_DETAILED_CAPTION>': 'pure_text' },
      task_prompts_without_inputs: PROMPTS,
      task_prompts_with_input: {},
    }),
    'tokenizer.json': json(tokenizerJson(vocab, true)),
    'tokenizer_config.json': json(tokenizerConfig()),
    ...onnxFiles(o, {
      vision_encoder: florenceVisionEncoder(o),
      embed_tokens: florenceEmbedTokens(o, vocab),
      encoder_model: florenceEncoder(o),
      decoder_model_merged: florenceDecoder(o, vocab),
    }),
  };
}

function vedFiles(o: TinyModelOptions): Record<string, string | Uint8Array> {
  const vocab = buildVocabulary(o);
  const dm = dimsOf(o);
  return {
    'config.json': json({
      architectures: ['VisionEncoderDecoderModel'],
      model_type: 'vision-encoder-decoder',
      is_encoder_decoder: true,
      decoder_start_token_id: BOS,
      bos_token_id: BOS,
      eos_token_id: EOS,
      pad_token_id: PAD,
      encoder: { model_type: 'vit', hidden_size: dm.d, image_size: o.imageSize, patch_size: o.patchSize, num_hidden_layers: o.layers, num_attention_heads: dm.heads },
      decoder: {
        model_type: 'gpt2',
        n_layer: o.layers,
        n_head: dm.heads,
        n_embd: dm.d,
        vocab_size: vocab.words.length,
        add_cross_attention: true,
        is_decoder: true,
        bos_token_id: BOS,
        eos_token_id: EOS,
        decoder_start_token_id: BOS,
      },
      recaption_generator: generatorNote(o),
    }),
    'generation_config.json': json({ bos_token_id: BOS, eos_token_id: EOS, pad_token_id: PAD, decoder_start_token_id: BOS, max_length: maxLength(o, vocab, 'ved') }),
    'preprocessor_config.json': json({ image_processor_type: 'ViTImageProcessor', feature_extractor_type: 'ViTFeatureExtractor', ...imageStats(o) }),
    'tokenizer.json': json(tokenizerJson(vocab, false)),
    'tokenizer_config.json': json(tokenizerConfig()),
    ...onnxFiles(o, { encoder_model: vedEncoder(o), decoder_model_merged: vedDecoder(o, vocab) }),
  };
}

/**
 * Precisions the generator writes unless told otherwise: every one the product's tests run. fp16 is the
 * fp16-I/O variant (fp16-io.ts): float16 inputs and outputs, float32 arithmetic inside.
 */
export const GENERATED_DTYPES: readonly GeneratedDtype[] = ['fp32', 'fp16', 'q8', 'q4'];
export type GeneratedDtype = 'fp32' | 'fp16' | QuantizedDtype;

/** A session's graph in one generated precision, and the operator sets it needs. */
export function graphFor(graph: GraphData, dtype: GeneratedDtype): { graph: GraphData; domains: { domain: string; version: number }[] } {
  if (dtype === 'fp32') return { graph, domains: [] };
  if (dtype === 'fp16') return { graph: withHalfIO(graph), domains: [] };
  return quantizeGraph(graph, dtype);
}

/** Each session's file for each dtype, under transformers.js's names (onnx/<session><suffix>.onnx). */
function onnxFiles(o: TinyModelOptions, graphs: Record<string, GraphData>): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const dtype of o.dtypes ?? GENERATED_DTYPES) {
    for (const [session, graph] of Object.entries(graphs)) {
      const encoded = graphFor(graph, dtype);
      files[onnxFileName(session, dtype)] = encodeModel(encoded.graph, OPSET, PRODUCER, encoded.domains);
    }
  }
  return files;
}

function generatorNote(o: TinyModelOptions): unknown {
  return { note: 'Generated by src/core/captioner/testing/tiny-models.ts; regenerate with `npx tsx scripts/gen-models.ts`.', options: o };
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export type TinyFamily = 'florence2' | 'vit-gpt2';

/** The files of a generated model, by path relative to the model folder. */
export function generateModelFiles(family: TinyFamily, options: TinyModelOptions): Record<string, string | Uint8Array> {
  return family === 'florence2' ? florenceFiles(options) : vedFiles(options);
}

/** Writes a generated model into `folder` (created if needed); returns the files written. */
export async function writeModel(folder: string, family: TinyFamily, options: TinyModelOptions): Promise<string[]> {
  const files = generateModelFiles(family, options);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(folder, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
  return Object.keys(files);
}

/** The caption texts the scripted models produce for each colour (for tests that check real inference). */
export const SCRIPTED_CAPTIONS = {
  colours: COLOURS,
  ssc: (colour: string) => sscWords(colour).join(' '),
  dsc: (colour: string) => dscWords(colour).join(' '),
};

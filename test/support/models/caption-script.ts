// How a generated captioner's caption depends on the image: the patch embedding hand-sets four "colour
// score" channels (red, green, blue, gray) from each patch's mean RGB (model-parts.ts); the decoder averages
// them over the encoder output, takes the argmax as the image's class, and a scripted token table, indexed
// by (class, task, position), pushes the logits of the caption's next word. The task (SSC or DSC) reaches
// the decoder through a flag channel that the embedding sets for the prompt words "detail" and "paragraph".
//
// weights: 'scripted' zeroes every block weight, so the tiny fixtures are a few KB and fully predictable.
// weights: 'random' fills the blocks with seeded random weights: a model with real compute (for benchmarks)
// whose script only fixes where the end-of-sequence token falls, so SSC and DSC have fixed lengths.
import { DataType } from '../../../src/core/captioner/onnx/onnx-proto.js';
import type { GraphBuilder } from '../../../src/core/captioner/onnx/graph-builder.js';
import { COLOURS, FLAG, type Dims, type TinyModelOptions, type WeightSource } from './model-parts.js';

export const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;
export const BOS = 0;
export const PAD = 1;
export const EOS = 2;
const DETAIL_WORDS = ['detail', 'paragraph'];
const FORCE = 1e4;

export const PROMPTS = {
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

/** The caption texts the scripted models produce for each colour (for tests that check real inference). */
export const SCRIPTED_CAPTIONS = {
  colours: COLOURS,
  ssc: (colour: string) => sscWords(colour).join(' '),
  dsc: (colour: string) => dscWords(colour).join(' '),
};

export interface Vocabulary {
  words: string[];
  id: (word: string) => number;
}

export function buildVocabulary(options: TinyModelOptions): Vocabulary {
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

export type ScriptFamily = 'florence2' | 'ved';

/** Token table [class][task][position] flattened; `vocab` means "no opinion". */
export function buildScript(vocab: Vocabulary, o: TinyModelOptions, family: ScriptFamily): { script: number[]; tasks: number; positions: number } {
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

/** generation_config's max_length: the longest scripted caption and some room. */
export function scriptMaxLength(o: TinyModelOptions, vocab: Vocabulary, family: ScriptFamily): number {
  return buildScript(vocab, o, family).positions + 4;
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

/** What the decoder's logits are computed from. */
export interface DecoderState {
  /** The decoder's last hidden state [B, S, D]. */
  h: string;
  /** The encoder output [B, T, D], whose reserved channels carry the class and the task. */
  enc: string;
  /** A past key [B, H, P, hd]: P is the position of the first new token. */
  pastKey: string;
  /** Any [B, S, ...] value of the new positions. */
  seqSource: string;
}

/** Final logits: LM head (+ bias that keeps random weights off special tokens) + the script's forcing. */
export function scriptedLmHead(g: GraphBuilder, w: WeightSource, dm: Dims, vocab: Vocabulary, o: TinyModelOptions, family: ScriptFamily, s: DecoderState): string {
  const { script, tasks, positions } = buildScript(vocab, o, family);
  const forced = scriptedLogits(g, s.enc, s.pastKey, s.seqSource, script, tasks, positions, vocab.words.length);
  const v = vocab.words.length;
  const bias = new Array<number>(v).fill(0);
  if (w.random) for (let i = 0; i < SPECIALS.length; i++) bias[i] = -1e3;
  const logits = g.linear(g.layerNorm(s.h, dm.d), { weight: g.weight('lm_head', [dm.d, v], w.matrix(dm.d, v)), bias: g.weight('final_logits_bias', [v], bias) });
  return g.op('Add', [logits, forced]);
}

/** Embedding table [V, D]: the flag channel set for the detail words, random elsewhere in 'random'. */
export function embeddingTable(w: WeightSource, vocab: Vocabulary, dm: Dims): number[] {
  const table = w.matrix(vocab.words.length, dm.d, true);
  for (const word of DETAIL_WORDS) table[vocab.id(word) * dm.d + FLAG] = 1;
  return table;
}

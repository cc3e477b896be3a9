// Generates CLIP-style dual encoders in exactly the layout transformers.js loads for
// CLIPTextModelWithProjection / CLIPVisionModelWithProjection (onnx/text_model.onnx, onnx/vision_model.onnx),
// from the captioner generator's parts (model-parts.ts): the same vision tower, encoder blocks and weights.
//
// The embeddings' first three channels are a colour space, which the blocks never write: the vision tower
// hand-sets each patch's red, green and blue scores (a channel's mean minus half the other two), and the
// text embedding sets one-hot vectors for the words "red", "green" and "blue". The embeds are those three
// channels, pooled. So "a red square" scores higher on a red image than "a blue square", through the
// product's real scoring path, with 'scripted' (zero) block weights for the fixture and 'random' ones,
// doing real work, for the bench.
import { DataType, type GraphData } from '../../../src/core/captioner/onnx/onnx-proto.js';
import { GraphBuilder } from '../../../src/core/captioner/onnx/graph-builder.js';
import { SPECIALS, type Vocabulary } from './caption-script.js';
import { generatorNote, json, onnxFiles, tokenizerConfig, tokenizerJson, writeModelFolder } from './model-files.js';
import { dimsOf, encoderBlock, RESERVED, visionTower, WeightSource, type Dims, type TinyModelOptions } from './model-parts.js';

export interface TinyClipOptions extends Omit<TinyModelOptions, 'dtypes'> {
  /** Tokens the text model reads (model_max_length), special tokens included. */
  textWindow: number;
  /** Weight files to write (default fp32 only): fp16 adds the fp16-I/O variant (fp16-io.ts). */
  dtypes?: readonly ('fp32' | 'fp16')[];
}

/** The fixture: a 16-token window, so the tests reach the long-caption rule with short sentences. */
export const TINY_CLIP: TinyClipOptions = { hiddenSize: 8, layers: 1, heads: 2, imageSize: 8, patchSize: 4, weights: 'scripted', textWindow: 16 };

const COLOUR_WORDS = ['red', 'green', 'blue'] as const;
const OTHER_WORDS = ['a', 'an', 'the', 'square', 'on', 'white', 'background', 'of', 'and', 'is', 'gray', 'cat', 'photo', 'image', '.', ','];

function vocabulary(o: TinyClipOptions): Vocabulary {
  const words: string[] = [...SPECIALS, ...COLOUR_WORDS, ...OTHER_WORDS];
  // Bench models: a vocabulary of a real size (the embedding table's memory), synthetic words after the real ones.
  for (let i = 0; words.length < (o.vocabSize ?? 0); i++) words.push(`w${i}`);
  return { words, id: (w) => words.indexOf(w) };
}

/** [B, T, D] pooled over T (weighted by `weights` [B, T, 1] when given), then its colour channels: [B, 3]. */
function colourEmbeds(g: GraphBuilder, x: string, weights?: string): string {
  const pooled = weights ? g.op('ReduceSum', [g.op('Mul', [x, weights]), g.ints([1])], { keepdims: 0 }) : g.op('ReduceMean', [x], { axes: [1], keepdims: 0 });
  return g.op('Slice', [pooled, g.ints([0]), g.ints([COLOUR_WORDS.length]), g.ints([1])]);
}

function textModel(o: TinyClipOptions, vocab: Vocabulary, dm: Dims, w: WeightSource): GraphData {
  const g = new GraphBuilder('tiny_clip_text');
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  // Colour words one-hot on the colour channels; random values (bench) only beyond the reserved channels.
  const random = w.matrix(vocab.words.length, dm.d);
  const table = random.map((v, i) => (i % dm.d < RESERVED ? 0 : v));
  COLOUR_WORDS.forEach((word, c) => (table[vocab.id(word) * dm.d + c] = 1));
  let x = g.op('Gather', [g.weight('token_embedding', [vocab.words.length, dm.d], table), ids], { axis: 0 });
  const additive = g.additiveMask(mask);
  for (let l = 0; l < o.layers; l++) x = encoderBlock(g, w, x, dm, additive);
  const weights = g.op('Unsqueeze', [g.op('Cast', [mask], { to: DataType.FLOAT }), g.ints([2])]);
  g.output(colourEmbeds(g, x, weights), 'text_embeds', DataType.FLOAT, ['batch', COLOUR_WORDS.length]);
  return g.build();
}

function visionModel(o: TinyClipOptions, dm: Dims, w: WeightSource): GraphData {
  const g = new GraphBuilder('tiny_clip_vision');
  g.output(colourEmbeds(g, visionTower(g, w, o, dm)), 'image_embeds', DataType.FLOAT, ['batch', COLOUR_WORDS.length]);
  return g.build();
}

export function tinyClipFiles(o: TinyClipOptions = TINY_CLIP): Record<string, string | Uint8Array> {
  const vocab = vocabulary(o);
  const dm = dimsOf(o);
  const w = new WeightSource(o);
  const graphs = { text_model: textModel(o, vocab, dm, w), vision_model: visionModel(o, dm, w) };
  return {
    'config.json': json({
      architectures: ['CLIPModel'],
      model_type: 'clip',
      projection_dim: COLOUR_WORDS.length,
      text_config: { model_type: 'clip_text_model', hidden_size: dm.d, num_hidden_layers: o.layers, max_position_embeddings: o.textWindow, vocab_size: vocab.words.length },
      vision_config: { model_type: 'clip_vision_model', hidden_size: dm.d, num_hidden_layers: o.layers, image_size: o.imageSize, patch_size: o.patchSize },
      recaption_generator: generatorNote('test/support/models/tiny-clip.ts', o),
    }),
    'preprocessor_config.json': json({
      image_processor_type: 'CLIPImageProcessor',
      do_resize: true,
      size: { shortest_edge: o.imageSize },
      do_center_crop: true,
      crop_size: { height: o.imageSize, width: o.imageSize },
      resample: 3,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    }),
    'tokenizer.json': json(tokenizerJson(vocab, true)),
    'tokenizer_config.json': json(tokenizerConfig(o.textWindow)),
    ...onnxFiles(graphs, o.dtypes ?? ['fp32']),
  };
}

export async function writeTinyClip(folder: string, options: TinyClipOptions = TINY_CLIP): Promise<void> {
  await writeModelFolder(folder, tinyClipFiles(options));
}

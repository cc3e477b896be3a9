// A generated captioner in the Florence-2 layout transformers.js loads: four sessions (vision encoder,
// token embedding, text encoder, merged decoder with the optimum use_cache_branch contract) and the
// Florence2Processor's configs.
import { DataType, type GraphData } from '../../../src/core/captioner/onnx/onnx-proto.js';
import { GraphBuilder } from '../../../src/core/captioner/onnx/graph-builder.js';
import { BOS, EOS, PAD, PROMPTS, buildVocabulary, embeddingTable, scriptMaxLength, scriptedLmHead, type Vocabulary } from './caption-script.js';
import { GENERATED_DTYPES, generatorNote, imageStats, json, onnxFiles, tokenizerConfig, tokenizerJson } from './model-files.js';
import { cachedSelfAttention, dimsOf, encoderBlock, headsOf, kvShape, projection, residualAttention, sessionGraph, visionTower, withMlp, type TinyModelOptions } from './model-parts.js';

function visionEncoder(o: TinyModelOptions): GraphData {
  const { g, dm, w } = sessionGraph('vision_encoder', o, 1);
  g.output(visionTower(g, w, o, dm), 'image_features', DataType.FLOAT, ['batch_size', 'image_tokens', dm.d]);
  return g.build();
}

function embedTokens(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const { g, dm, w } = sessionGraph('embed_tokens', o, 2);
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const table = g.weight('embed_tokens', [vocab.words.length, dm.d], embeddingTable(w, vocab, dm));
  g.output(g.op('Gather', [table, ids], { axis: 0 }), 'inputs_embeds', DataType.FLOAT, ['batch_size', 'sequence_length', dm.d]);
  return g.build();
}

function textEncoder(o: TinyModelOptions): GraphData {
  const { g, dm, w } = sessionGraph('encoder_model', o, 3);
  let x = g.input('inputs_embeds', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  const mask = g.additiveMask(g.input('attention_mask', DataType.INT64, ['batch_size', 'encoder_sequence_length']));
  for (let l = 0; l < o.layers; l++) x = encoderBlock(g, w, x, dm, mask);
  g.output(x, 'last_hidden_state', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  return g.build();
}

function decoder(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const { g, dm, w } = sessionGraph('decoder_model_merged', o, 4);
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
    h = cachedSelfAttention(g, w, h, dm, {
      pastKey: p.dk,
      pastValue: p.dv,
      presentKey: `present.${i}.decoder.key`,
      presentValue: `present.${i}.decoder.value`,
      pastLength: 'past_decoder_sequence_length',
    });

    // Cross-attention keys/values: computed from the encoder output on the first step, reused after
    // (the optimum "merged" contract: use_cache_branch picks the branch).
    const q = headsOf(g, w, g.layerNorm(h, dm.d), dm);
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
    h = withMlp(g, w, residualAttention(g, w, h, q, ck!, cv!, dm, encMask), dm);
  }
  const logits = scriptedLmHead(g, w, dm, vocab, o, 'florence2', { h, enc, pastKey: past[0]?.dk ?? embeds, seqSource: embeds });
  g.output(logits, 'logits', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', vocab.words.length]);
  return g.build();
}

/** The files of a generated Florence-2 model, by path relative to the model folder. */
export function florence2Files(o: TinyModelOptions): Record<string, string | Uint8Array> {
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
      recaption_generator: generatorNote('test/support/models/tiny-models.ts', o),
    }),
    'generation_config.json': json({
      bos_token_id: BOS,
      eos_token_id: EOS,
      pad_token_id: PAD,
      decoder_start_token_id: EOS,
      forced_bos_token_id: BOS,
      max_length: scriptMaxLength(o, vocab, 'florence2'),
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
    ...onnxFiles(
      { vision_encoder: visionEncoder(o), embed_tokens: embedTokens(o, vocab), encoder_model: textEncoder(o), decoder_model_merged: decoder(o, vocab) },
      o.dtypes ?? GENERATED_DTYPES,
    ),
  };
}

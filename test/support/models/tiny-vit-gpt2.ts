// A generated captioner in the vision-encoder-decoder layout transformers.js loads (ViT encoder, GPT-2
// decoder with cross-attention, as nlpconnect/vit-gpt2-image-captioning): two sessions and their configs.
import { DataType, type GraphData } from '../../../src/core/captioner/onnx/onnx-proto.js';
import { BOS, EOS, PAD, buildVocabulary, embeddingTable, scriptMaxLength, scriptedLmHead, type Vocabulary } from './caption-script.js';
import { GENERATED_DTYPES, generatorNote, imageStats, json, onnxFiles, tokenizerConfig, tokenizerJson } from './model-files.js';
import { cachedSelfAttention, dimsOf, headsOf, kvShape, residualAttention, sessionGraph, visionTower, withMlp, type TinyModelOptions } from './model-parts.js';

function encoder(o: TinyModelOptions): GraphData {
  const { g, dm, w } = sessionGraph('encoder_model', o, 5);
  g.output(visionTower(g, w, o, dm), 'last_hidden_state', DataType.FLOAT, ['batch_size', 'encoder_sequence_length', dm.d]);
  return g.build();
}

function decoder(o: TinyModelOptions, vocab: Vocabulary): GraphData {
  const { g, dm, w } = sessionGraph('decoder_model_merged', o, 6);
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
    h = cachedSelfAttention(g, w, h, dm, { pastKey: p.k, pastValue: p.v, presentKey: `present.${i}.key`, presentValue: `present.${i}.value`, pastLength: 'past_sequence_length' });
    const q = headsOf(g, w, g.layerNorm(h, dm.d), dm);
    h = withMlp(g, w, residualAttention(g, w, h, q, headsOf(g, w, enc, dm), headsOf(g, w, enc, dm), dm), dm);
  }
  const logits = scriptedLmHead(g, w, dm, vocab, o, 'ved', { h, enc, pastKey: past[0]?.k ?? ids, seqSource: ids });
  g.output(logits, 'logits', DataType.FLOAT, ['batch_size', 'decoder_sequence_length', vocab.words.length]);
  return g.build();
}

/** The files of a generated vit-gpt2 model, by path relative to the model folder. */
export function vitGpt2Files(o: TinyModelOptions): Record<string, string | Uint8Array> {
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
      recaption_generator: generatorNote('test/support/models/tiny-models.ts', o),
    }),
    'generation_config.json': json({ bos_token_id: BOS, eos_token_id: EOS, pad_token_id: PAD, decoder_start_token_id: BOS, max_length: scriptMaxLength(o, vocab, 'ved') }),
    'preprocessor_config.json': json({ image_processor_type: 'ViTImageProcessor', feature_extractor_type: 'ViTFeatureExtractor', ...imageStats(o) }),
    'tokenizer.json': json(tokenizerJson(vocab, false)),
    'tokenizer_config.json': json(tokenizerConfig()),
    ...onnxFiles({ encoder_model: encoder(o), decoder_model_merged: decoder(o, vocab) }, o.dtypes ?? GENERATED_DTYPES),
  };
}

// Florence-2 (base, large, -ft and community fine-tunes in the same layout). Not a transformers.js
// pipeline: we drive the model's parts so that the vision encoder runs once per image for both tasks, then
// one batched generate per task (the SSC rows then do not wait, padded, for the longer DSC).
import { AutoProcessor, Florence2ForConditionalGeneration, Tensor, type Processor } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import type { CaptionKind } from '../../../../shared/record.js';
import { cleanCaption } from '../postprocess.js';
import type { FamilyLoadOptions, GeneratedCaption, ModelConfig, ModelFamily, PixelBatch } from './family.js';
import { decodeOwn, finishOfSequence, planDecodeLoop, toOrtTensor, type DecodePlan, type GeneratingModel } from '../decode/decode-plan.js';
import { skipUnchangedEncoderCache, type DecoderSession } from './encoder-cache-fetch.js';
import { TokenEmbeddingCache } from './token-embedding-cache.js';
import { loadPretrained, PretrainedFamilyModel } from './pretrained.js';
import { declaredFloatType, floatTypeOf, ortTensorAs, pixelsAs, tensorAs, type FloatType } from './input-types.js';

export const DEFAULT_FLORENCE_PROMPTS: Record<CaptionKind, string> = { ssc: '<CAPTION>', dsc: '<MORE_DETAILED_CAPTION>' };

/** The parts of Florence2Processor we use (its typings do not declare them on Processor). */
interface FlorenceProcessor {
  construct_prompts(text: string): string[];
  post_process_generation(text: string, task: string, imageSize: [number, number]): Record<string, unknown>;
  batch_decode(ids: Tensor | number[][], options: { skip_special_tokens: boolean }): string[];
  tokenizer: (text: string[], options: { padding: boolean }) => { input_ids: Tensor; attention_mask: Tensor };
}

/**
 * The transformers.js internals this family calls or patches, beyond its public API. package.json pins
 * transformers.js exactly for them; an upgrade that drops one fails at load, naming it.
 */
const MODEL_INTERNALS = ['_merge_input_ids_with_image_features', '_prepare_generation_config', 'encode_image', 'encode_text', 'generate'] as const;
const PROCESSOR_INTERNALS = ['construct_prompts', 'post_process_generation', 'batch_decode', 'tokenizer'] as const;
const SESSION_INTERNALS = ['run', 'outputNames'] as const;

/** Which of those internals `model` and `processor` lack, as `Class.member` names. */
export function missingTransformersInternals(model: object, processor: object): string[] {
  const has = (o: object, key: string) => (o as Record<string, unknown>)[key] !== undefined;
  const missing = [
    ...MODEL_INTERNALS.filter((k) => !has(model, k)).map((k) => `Florence2ForConditionalGeneration.${k}`),
    ...PROCESSOR_INTERNALS.filter((k) => !has(processor, k)).map((k) => `Florence2Processor.${k}`),
  ];
  const sessions = (model as { sessions?: Record<string, object> }).sessions;
  const decoder = sessions?.decoder_model_merged;
  if (!sessions?.model) missing.push('Florence2ForConditionalGeneration.sessions.model (encoder_model.onnx)');
  if (!decoder) missing.push('Florence2ForConditionalGeneration.sessions.decoder_model_merged');
  else missing.push(...SESSION_INTERNALS.filter((k) => !has(decoder, k)).map((k) => `InferenceSession.${k} (decoder_model_merged)`));
  return missing;
}

function asFlorenceProcessor(p: Processor): FlorenceProcessor {
  const candidate = p as unknown as Partial<FlorenceProcessor>;
  if (typeof candidate.construct_prompts !== 'function' || typeof candidate.post_process_generation !== 'function') {
    throw new Error('preprocessor_config.json does not describe a Florence2Processor ("processor_class": "Florence2Processor")');
  }
  return p as unknown as FlorenceProcessor;
}

/** The float types the graphs declare for what the captioner feeds them (fp16 exports: float16). */
interface FeedTypes {
  pixels: FloatType;
  encoderEmbeds: FloatType;
  decoderEmbeds: FloatType;
  encoderHiddenStates: FloatType;
}

function feedTypesOf(sessions: Record<string, InferenceSession>): FeedTypes {
  return {
    pixels: declaredFloatType(sessions.vision_encoder, 'pixel_values', 'the vision_encoder graph'),
    encoderEmbeds: declaredFloatType(sessions.model, 'inputs_embeds', 'the encoder_model graph'),
    decoderEmbeds: declaredFloatType(sessions.decoder_model_merged, 'inputs_embeds', 'the decoder_model_merged graph'),
    encoderHiddenStates: declaredFloatType(sessions.decoder_model_merged, 'encoder_hidden_states', 'the decoder_model_merged graph'),
  };
}

class Florence2Model extends PretrainedFamilyModel<Florence2ForConditionalGeneration> {
  readonly pixelType: FloatType;
  private readonly types: FeedTypes;

  constructor(
    model: Florence2ForConditionalGeneration,
    private readonly processor: FlorenceProcessor,
    options: FamilyLoadOptions,
    plan: DecodePlan,
  ) {
    super(model, options, plan);
    // Decoding steps look their token's embedding up instead of running embed_tokens once per token.
    const embeddings = new TokenEmbeddingCache(model.encode_text.bind(model) as (inputs: { input_ids: Tensor }) => Promise<Tensor>);
    model.encode_text = (inputs: { input_ids: Tensor }) => embeddings.encode(inputs);
    this.types = feedTypesOf(this.sessions);
    this.pixelType = this.types.pixels;
  }

  async caption(batch: PixelBatch, tasks: readonly CaptionKind[]): Promise<Partial<Record<CaptionKind, GeneratedCaption[]>>> {
    const pixelValues = new Tensor(this.pixelType, pixelsAs(this.pixelType, batch.data), [batch.count, 3, batch.height, batch.width]);
    const imageFeatures = (await this.model.encode_image({ pixel_values: pixelValues })) as Tensor;
    // The merge copies the image features into the prompt's embeddings: both must be of one type.
    let sameTypeFeatures: Tensor | null = null;
    const out: Partial<Record<CaptionKind, GeneratedCaption[]>> = {};
    for (const kind of tasks) {
      const token = this.options.taskPrompts?.[kind] ?? DEFAULT_FLORENCE_PROMPTS[kind];
      const prompt = this.processor.construct_prompts(token)[0]!;
      const { input_ids, attention_mask } = this.processor.tokenizer(new Array<string>(batch.count).fill(prompt), { padding: true });
      const textFeatures = (await this.model.encode_text({ input_ids })) as Tensor;
      sameTypeFeatures ??= tensorAs(imageFeatures, floatTypeOf(textFeatures, 'embed_tokens output'));
      const merged = this.model._merge_input_ids_with_image_features({ inputs_embeds: textFeatures, image_features: sameTypeFeatures, input_ids, attention_mask });
      const sequences = this.plan.loop === 'own' ? await this.decodeOwn(merged) : await this.decodeWithGenerate(merged);
      const decoded = this.processor.batch_decode(sequences, { skip_special_tokens: false });
      out[kind] = decoded.map((text, i) => {
        const answer = this.processor.post_process_generation(text, token, [batch.height, batch.width])[token];
        return { text: cleanCaption(typeof answer === 'string' ? answer : JSON.stringify(answer), this.options.postprocess), finish: finishOfSequence(sequences[i]!, this.plan.eos) };
      });
    }
    return out;
  }

  /** The own loop: the text encoder once, then greedy steps on the merged decoder; rows from the start token. */
  private async decodeOwn(merged: { inputs_embeds: Tensor; attention_mask: Tensor }): Promise<number[][]> {
    const { model: encoder, decoder_model_merged: decoder } = this.sessions;
    const mask = toOrtTensor(merged.attention_mask);
    const encoded = await encoder!.run({ inputs_embeds: ortTensorAs(toOrtTensor(merged.inputs_embeds), this.types.encoderEmbeds), attention_mask: mask });
    return decodeOwn(this.plan, {
      session: decoder!,
      token: {
        kind: 'embeds',
        embed: async (ids) => {
          const embeds = (await this.model.encode_text({ input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [ids.length, 1]) })) as Tensor;
          return ortTensorAs(toOrtTensor(embeds), this.types.decoderEmbeds);
        },
      },
      encoderHiddenStates: ortTensorAs(encoded.last_hidden_state!, this.types.encoderHiddenStates),
      encoderAttentionMask: mask,
    });
  }

  private decodeWithGenerate(merged: { inputs_embeds: Tensor; attention_mask: Tensor }): Promise<number[][]> {
    return this.generate({ inputs_embeds: tensorAs(merged.inputs_embeds, this.types.encoderEmbeds), attention_mask: merged.attention_mask });
  }
}

export const florence2Family: ModelFamily = {
  name: 'florence2',
  sessions: ['vision_encoder', 'embed_tokens', 'encoder_model', 'decoder_model_merged'],
  tasks: ['ssc', 'dsc'],
  matches: (config: ModelConfig) => config.model_type === 'florence2' || (config.architectures ?? []).includes('Florence2ForConditionalGeneration'),
  async load(folder, options) {
    const model = await loadPretrained(Florence2ForConditionalGeneration, folder, options, 'a Florence-2 model');
    const rawProcessor = await AutoProcessor.from_pretrained(folder, { local_files_only: true });
    const missing = missingTransformersInternals(model, rawProcessor);
    if (missing.length > 0) {
      await model.dispose();
      throw new Error(
        `this @huggingface/transformers lacks ${missing.join(', ')}, which the Florence-2 captioner calls; install the exact version package.json pins`,
      );
    }
    const plan = planDecodeLoop(options.decodeLoop ?? 'own', model as unknown as GeneratingModel, 'embeds', options.maxNewTokens, options.dtype, options.device);
    // For generate() only (the own loop fetches just the outputs that change itself), and not on WebGPU:
    // there the cache stays on the GPU (nothing to save) and transformers.js disposes it.
    if (plan.loop === 'generate' && options.device !== 'webgpu') skipUnchangedEncoderCache(model.sessions.decoder_model_merged as DecoderSession);
    return new Florence2Model(model, asFlorenceProcessor(rawProcessor), options, plan);
  },
};

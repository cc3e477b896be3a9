// Which loop a loaded model decodes with: the own loop where its decoder and generation config are ones it
// can follow exactly, else transformers.js's generate(), with the reason (shown in the device line).
import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-node';
import type { Tensor } from '@huggingface/transformers';
import type { CaptionFinish } from '../../../../shared/record.js';
import type { DecodeLoop } from '../families/family.js';
import type { Device } from '../device-requests.js';
import type { Dtype } from '../dtype.js';
import { generationRules, type GenerationConfigLike, type GenerationRules } from './generation-rules.js';
import { checkMergedDecoder, DecodeLayoutError, MergedDecoder, type MergedDecoderInputs } from './merged-decoder.js';
import { greedyDecode } from './greedy-decode.js';

/** The loop, and the end-of-sequence tokens (to tell why a generate() row ended). */
export type DecodePlan = { eos: number[] } & ({ loop: 'own'; rules: GenerationRules; rowsInteract: boolean; outputsBound: boolean } | { loop: 'generate'; note?: string });

/** The transformers.js model surface this reads: its sessions and how it resolves a generation config. */
export interface GeneratingModel {
  sessions: Record<string, unknown>;
  _prepare_generation_config(config: null, kwargs: Record<string, unknown>): GenerationConfigLike;
}

/**
 * Whether transformers.js creates the merged decoder with its cache outputs preferred in GPU buffers, which
 * makes onnxruntime-node bind the session's outputs (merged-decoder.ts): it does on WebGPU (getSession's
 * preferredOutputLocation for cache sessions), nowhere else.
 */
export function decoderOutputsBound(device: Device): boolean {
  return device === 'webgpu';
}

/**
 * `decoderDtype` is the merged decoder's precision: q8 quantizes activations per tensor (ONNX Runtime's
 * dynamic quantization), so its rows interact and finished rows must stay in the batch (greedy-decode.ts).
 * `device` is the one the sessions were created for.
 */
export function planDecodeLoop(
  requested: DecodeLoop,
  model: GeneratingModel,
  token: 'ids' | 'embeds',
  maxNewTokens: number | undefined,
  decoderDtype: Dtype,
  device: Device,
): DecodePlan {
  // Resolved as generate() resolves it: the model's config, generation_config.json, then the overrides.
  const config = model._prepare_generation_config(null, maxNewTokens ? { max_new_tokens: maxNewTokens } : {});
  const eos = config.eos_token_id === null || config.eos_token_id === undefined ? [] : [config.eos_token_id].flat();
  if (requested === 'generate') return { loop: 'generate', eos };
  const rules = generationRules(config);
  if ('unsupported' in rules) return { loop: 'generate', eos, note: `transformers.js generate(): ${rules.unsupported}` };
  try {
    checkMergedDecoder(model.sessions.decoder_model_merged as InferenceSession, token);
  } catch (err) {
    if (err instanceof DecodeLayoutError) return { loop: 'generate', eos, note: `transformers.js generate(): ${err.message}` };
    throw err;
  }
  return { loop: 'own', eos, rules, rowsInteract: decoderDtype === 'q8', outputsBound: decoderOutputsBound(device) };
}

/** What a family reports as its decode loop (FamilyModel.decodeLoop). */
export function decodeLoopOf(plan: DecodePlan): { loop: DecodeLoop; note?: string } {
  return plan.loop === 'own' ? { loop: 'own' } : { loop: 'generate', note: plan.note };
}

/** The own loop on one batch: each row's sequence from the start token, as generate() returns them. */
export async function decodeOwn(plan: DecodePlan, inputs: MergedDecoderInputs): Promise<number[][]> {
  if (plan.loop !== 'own') throw new Error('not planned for the own loop');
  const decoder = new MergedDecoder({ ...inputs, outputsBound: inputs.outputsBound ?? plan.outputsBound });
  try {
    const rows = await greedyDecode(decoder, plan.rules, { rowsInteract: plan.rowsInteract });
    return rows.map((r) => [plan.rules.startToken, ...r.tokens]);
  } finally {
    decoder.dispose();
  }
}

/** generate()'s output tensor as one number list per row. */
export function sequencesOf(generated: Tensor): number[][] {
  return (generated.tolist() as bigint[][]).map((row) => row.map(Number));
}

/** A transformers.js tensor as an ONNX Runtime one, sharing its data (no copy). */
export function toOrtTensor(tensor: Tensor): OrtTensor {
  return new OrtTensor(tensor.type as 'float32', tensor.data as Float32Array, tensor.dims);
}

/** Why a generate() row ended: an end-of-sequence token after the start token, or the length limit. */
export function finishOfSequence(sequence: readonly (number | bigint)[], eos: readonly number[]): CaptionFinish {
  return sequence.slice(1).some((t) => eos.includes(Number(t))) ? 'eos' : 'length';
}

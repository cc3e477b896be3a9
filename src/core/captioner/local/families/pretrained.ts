// What every family does with its transformers.js model in the same way: load it from the local folder with
// the device's session options (float16 outputs kept as bits, see float16-bits.ts), hold it with its decode
// plan, run transformers.js's own generate() when that loop is asked for, and dispose of it.
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import type { CaptionKind } from '../../../../shared/record.js';
import { decodeLoopOf, sequencesOf, type DecodePlan } from '../decode/decode-plan.js';
import { sessionOptionsFor } from './cpu-session-options.js';
import type { FamilyLoadOptions, FamilyModel, GeneratedCaption, PixelBatch } from './family.js';
import { keepFloat16AsBits } from './float16-bits.js';
import type { FloatType } from './input-types.js';

/** A transformers.js model class: it loads from a folder, and what it loaded is an instance of it. */
interface PretrainedClass<M extends PreTrainedModel> {
  from_pretrained: typeof PreTrainedModel.from_pretrained;
  new (...args: never[]): M;
}

/** Loads `folder` (never the network) as `ModelClass`, or throws naming `what` it did not load as. */
export async function loadPretrained<M extends PreTrainedModel>(ModelClass: PretrainedClass<M>, folder: string, options: FamilyLoadOptions, what: string): Promise<M> {
  const model = await ModelClass.from_pretrained(folder, {
    device: options.device,
    dtype: options.dtype,
    local_files_only: true,
    ...sessionOptionsFor(options.device),
  });
  if (!(model instanceof ModelClass)) throw new Error(`${folder} did not load as ${what}`);
  for (const session of Object.values(model.sessions as Record<string, InferenceSession>)) keepFloat16AsBits(session);
  return model;
}

/** A family's loaded model: the transformers.js model, its ONNX sessions, the options and the decode plan. */
export abstract class PretrainedFamilyModel<M extends PreTrainedModel> implements FamilyModel {
  readonly decodeLoop: FamilyModel['decodeLoop'];
  abstract readonly pixelType: FloatType;
  protected readonly sessions: Record<string, InferenceSession>;

  constructor(
    protected readonly model: M,
    protected readonly options: FamilyLoadOptions,
    protected readonly plan: DecodePlan,
  ) {
    this.decodeLoop = decodeLoopOf(plan);
    this.sessions = model.sessions as Record<string, InferenceSession>;
  }

  abstract caption(batch: PixelBatch, tasks: readonly CaptionKind[]): Promise<Partial<Record<CaptionKind, GeneratedCaption[]>>>;

  /** transformers.js's generate() on `inputs`, capped at maxNewTokens when set: one token row per image. */
  protected async generate(inputs: Record<string, unknown>): Promise<number[][]> {
    const generated = (await this.model.generate({
      ...inputs,
      ...(this.options.maxNewTokens ? { max_new_tokens: this.options.maxNewTokens } : {}),
    } as Parameters<PreTrainedModel['generate']>[0])) as Tensor;
    return sequencesOf(generated);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

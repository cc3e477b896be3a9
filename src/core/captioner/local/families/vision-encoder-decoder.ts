// Vision-encoder-decoder models (vit-gpt2 style): one caption per image, written as the SSC.
import { AutoTokenizer, Tensor, VisionEncoderDecoderModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import type { CaptionKind } from '../../../../shared/record.js';
import { cleanCaption } from '../postprocess.js';
import type { FamilyLoadOptions, FamilyModel, GeneratedCaption, ModelConfig, ModelFamily, PixelBatch } from './family.js';
import { sessionOptionsFor } from './cpu-session-options.js';
import { keepFloat16AsBits } from './float16-bits.js';
import { declaredFloatType, ortTensorAs, pixelsAs, type FloatType } from './input-types.js';
import { decodeLoopOf, decodeOwn, finishOfSequence, planDecodeLoop, sequencesOf, toOrtTensor, type DecodePlan, type GeneratingModel } from '../decode/decode-plan.js';

class VisionEncoderDecoder implements FamilyModel {
  readonly decodeLoop: FamilyModel['decodeLoop'];
  readonly pixelType: FloatType;
  private readonly sessions: Record<string, InferenceSession>;
  /** What the decoder declares for the image encoder's output (an fp16 export: float16). */
  private readonly hiddenStatesType: FloatType;

  constructor(
    private readonly model: VisionEncoderDecoderModel,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly options: FamilyLoadOptions,
    private readonly plan: DecodePlan,
  ) {
    this.decodeLoop = decodeLoopOf(plan);
    this.sessions = model.sessions as Record<string, InferenceSession>;
    this.pixelType = declaredFloatType(this.sessions.model, 'pixel_values', 'the encoder_model graph');
    this.hiddenStatesType = declaredFloatType(this.sessions.decoder_model_merged, 'encoder_hidden_states', 'the decoder_model_merged graph');
  }

  async caption(batch: PixelBatch, tasks: readonly CaptionKind[]): Promise<Partial<Record<CaptionKind, GeneratedCaption[]>>> {
    if (!tasks.includes('ssc')) return {};
    const pixelValues = new Tensor(this.pixelType, pixelsAs(this.pixelType, batch.data), [batch.count, 3, batch.height, batch.width]);
    const sequences = this.plan.loop === 'own' ? await this.decodeOwn(pixelValues) : await this.decodeWithGenerate(pixelValues);
    const texts = this.tokenizer.batch_decode(sequences, { skip_special_tokens: true });
    return { ssc: texts.map((t, i) => ({ text: cleanCaption(t, this.options.postprocess), finish: finishOfSequence(sequences[i]!, this.plan.eos) })) };
  }

  /** The own loop: the image encoder once, then greedy steps on the merged decoder; rows from the start token. */
  private async decodeOwn(pixelValues: Tensor): Promise<number[][]> {
    const encoded = await this.sessions.model!.run({ pixel_values: toOrtTensor(pixelValues) });
    const encoderHiddenStates = ortTensorAs(encoded.last_hidden_state!, this.hiddenStatesType);
    return decodeOwn(this.plan, { session: this.sessions.decoder_model_merged!, token: { kind: 'ids' }, encoderHiddenStates });
  }

  private async decodeWithGenerate(pixelValues: Tensor): Promise<number[][]> {
    const generated = (await this.model.generate({
      pixel_values: pixelValues,
      ...(this.options.maxNewTokens ? { max_new_tokens: this.options.maxNewTokens } : {}),
    } as Parameters<VisionEncoderDecoderModel['generate']>[0])) as Tensor;
    return sequencesOf(generated);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

export const visionEncoderDecoderFamily: ModelFamily = {
  name: 'vision-encoder-decoder',
  sessions: ['encoder_model', 'decoder_model_merged'],
  tasks: ['ssc'],
  matches: (config: ModelConfig) => config.model_type === 'vision-encoder-decoder',
  async load(folder, options) {
    const model = await VisionEncoderDecoderModel.from_pretrained(folder, {
      device: options.device,
      dtype: options.dtype,
      local_files_only: true,
      ...sessionOptionsFor(options.device),
    });
    if (!(model instanceof VisionEncoderDecoderModel)) throw new Error(`${folder} did not load as a vision-encoder-decoder model`);
    for (const session of Object.values(model.sessions as Record<string, InferenceSession>)) keepFloat16AsBits(session);
    const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    const plan = planDecodeLoop(options.decodeLoop ?? 'own', model as unknown as GeneratingModel, 'ids', options.maxNewTokens, options.dtype, options.device);
    return new VisionEncoderDecoder(model, tokenizer, options, plan);
  },
};

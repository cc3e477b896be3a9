// Vision-encoder-decoder models (vit-gpt2 style): one caption per image, written as the SSC.
import { AutoTokenizer, Tensor, VisionEncoderDecoderModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { CaptionKind } from '../../../../shared/record.js';
import { cleanCaption } from '../postprocess.js';
import type { FamilyLoadOptions, GeneratedCaption, ModelConfig, ModelFamily, PixelBatch } from './family.js';
import { loadPretrained, PretrainedFamilyModel } from './pretrained.js';
import { declaredFloatType, ortTensorAs, pixelsAs, type FloatType } from './input-types.js';
import { decodeOwn, finishOfSequence, planDecodeLoop, toOrtTensor, type DecodePlan, type GeneratingModel } from '../decode/decode-plan.js';

class VisionEncoderDecoder extends PretrainedFamilyModel<VisionEncoderDecoderModel> {
  readonly pixelType: FloatType;
  /** What the decoder declares for the image encoder's output (an fp16 export: float16). */
  private readonly hiddenStatesType: FloatType;

  constructor(
    model: VisionEncoderDecoderModel,
    private readonly tokenizer: PreTrainedTokenizer,
    options: FamilyLoadOptions,
    plan: DecodePlan,
  ) {
    super(model, options, plan);
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

  private decodeWithGenerate(pixelValues: Tensor): Promise<number[][]> {
    return this.generate({ pixel_values: pixelValues });
  }
}

export const visionEncoderDecoderFamily: ModelFamily = {
  name: 'vision-encoder-decoder',
  sessions: ['encoder_model', 'decoder_model_merged'],
  tasks: ['ssc'],
  matches: (config: ModelConfig) => config.model_type === 'vision-encoder-decoder',
  async load(folder, options) {
    const model = await loadPretrained(VisionEncoderDecoderModel, folder, options, 'a vision-encoder-decoder model');
    const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    const plan = planDecodeLoop(options.decodeLoop ?? 'own', model as unknown as GeneratingModel, 'ids', options.maxNewTokens, options.dtype, options.device);
    return new VisionEncoderDecoder(model, tokenizer, options, plan);
  },
};

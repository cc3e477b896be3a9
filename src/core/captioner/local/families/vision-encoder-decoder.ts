// Vision-encoder-decoder models (vit-gpt2 style): one caption per image, written as the SSC.
import { AutoTokenizer, Tensor, VisionEncoderDecoderModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { CaptionKind } from '../../../../shared/record.js';
import { cleanCaption } from '../postprocess.js';
import type { FamilyLoadOptions, FamilyModel, ModelConfig, ModelFamily, PixelBatch } from './family.js';
import { sessionOptionsFor } from './cpu-session-options.js';

class VisionEncoderDecoder implements FamilyModel {
  constructor(
    private readonly model: VisionEncoderDecoderModel,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly options: FamilyLoadOptions,
  ) {}

  async caption(batch: PixelBatch, tasks: readonly CaptionKind[]): Promise<Partial<Record<CaptionKind, string[]>>> {
    if (!tasks.includes('ssc')) return {};
    const pixelValues = new Tensor('float32', batch.data, [batch.count, 3, batch.height, batch.width]);
    const generated = (await this.model.generate({
      pixel_values: pixelValues,
      ...(this.options.maxNewTokens ? { max_new_tokens: this.options.maxNewTokens } : {}),
    } as Parameters<VisionEncoderDecoderModel['generate']>[0])) as Tensor;
    const texts = this.tokenizer.batch_decode(generated, { skip_special_tokens: true });
    return { ssc: texts.map((t) => cleanCaption(t, this.options.postprocess)) };
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
    const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    return new VisionEncoderDecoder(model, tokenizer, options);
  },
};

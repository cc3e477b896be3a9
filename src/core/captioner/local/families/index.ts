import { florence2Family } from './florence2.js';
import type { ModelConfig, ModelFamily } from './family.js';
import { visionEncoderDecoderFamily } from './vision-encoder-decoder.js';

export const FAMILIES: readonly ModelFamily[] = [florence2Family, visionEncoderDecoderFamily];

export function familyFor(config: ModelConfig, where: string): ModelFamily {
  const family = FAMILIES.find((f) => f.matches(config));
  if (!family) {
    throw new Error(
      `${where}: model_type "${config.model_type ?? '?'}" is not supported; supported families: ${FAMILIES.map((f) => f.name).join(', ')} ` +
        '(Florence-2 and vit-gpt2-style vision-encoder-decoder models in Hugging Face ONNX layout)',
    );
  }
  return family;
}

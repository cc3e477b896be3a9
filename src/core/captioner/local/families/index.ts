import { florence2Family } from './florence2.js';
import type { ModelConfig, ModelFamily, ModelKinds, ModelLayout } from './family.js';
import { visionEncoderDecoderFamily } from './vision-encoder-decoder.js';

export const FAMILIES: readonly ModelFamily[] = [florence2Family, visionEncoderDecoderFamily];

/** The captioners. */
export const CAPTIONER_KINDS: ModelKinds<ModelFamily> = { layouts: FAMILIES, description: 'Florence-2 and vit-gpt2-style vision-encoder-decoder models' };

export function familyFor<F extends ModelLayout>(kinds: ModelKinds<F>, config: ModelConfig, where: string): F {
  const family = kinds.layouts.find((f) => f.matches(config));
  if (!family) {
    throw new Error(
      `${where}: model_type "${config.model_type ?? '?'}" is not supported; supported families: ${kinds.layouts.map((f) => f.name).join(', ')} ` +
        `(${kinds.description} in Hugging Face ONNX layout)`,
    );
  }
  return family;
}

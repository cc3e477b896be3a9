// Alignment scores: a CLIP-family dual encoder, run by transformers.js on the same device logic as the
// captioner, embeds the image and each text; a text's score is the cosine of the two embeddings.
//
// Long texts: CLIP reads a fixed window of tokens (77 for the public models). A text that fits is embedded
// whole. A longer one (most DSCs) is scored as the mean of its sentences' scores, each sentence cut to the
// window: truncating the whole text would score only its opening, which is the part the SSC already says.
import { DEFAULT_MAX_PIXELS } from '../limits.js';
import { AutoTokenizer, CLIPTextModelWithProjection, CLIPVisionModelWithProjection, Tensor, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import { chooseDevice, describeDeviceChoice, type DeviceChoice, type DeviceRequest } from '../captioner/local/device.js';
import type { DtypeRequest } from '../captioner/local/dtype.js';
import type { ModelConfig, ModelKinds, ModelLayout } from '../captioner/local/families/family.js';
import { sessionOptionsFor } from '../captioner/local/families/cpu-session-options.js';
import { declaredFloatType, float32Of, type FloatType } from '../captioner/local/families/input-types.js';
import { loadPixels, readPreprocess, type ImagePreprocess } from '../captioner/local/image-prep.js';
import { resolveModelOf, type ModelSourceOptions, type ResolvedModel } from '../captioner/local/model-source.js';

/** The scorers this release runs: CLIP dual encoders in Hugging Face ONNX layout. */
export const CLIP_LAYOUT: ModelLayout = {
  name: 'clip',
  sessions: ['text_model', 'vision_model'],
  matches: (config: ModelConfig) => config.model_type === 'clip',
};
const SCORER_KINDS: ModelKinds<ModelLayout> = { layouts: [CLIP_LAYOUT], description: 'CLIP dual encoders (text_model and vision_model)' };

export { DEFAULT_SCORE_MODEL } from './defaults.js';

export interface ScorerOptions {
  model: string;
  device?: DeviceRequest;
  dtype?: DtypeRequest;
  source?: ModelSourceOptions;
  maxPixels?: number;
}

/** Splits a text into sentences (at . ! ? followed by space); a text without one is one sentence. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  // A zero vector aligns with nothing.
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** A [rows, width] embedding tensor (float32, or float16 from an fp16 export) as number rows. */
function rowsOf(embeds: Tensor): number[][] {
  const values = float32Of(embeds);
  const width = embeds.dims[1]!;
  return Array.from({ length: embeds.dims[0]! }, (_, r) => Array.from(values.subarray(r * width, (r + 1) * width)));
}

export class ClipScorer {
  private constructor(
    readonly resolved: ResolvedModel<ModelLayout>,
    readonly deviceChoice: DeviceChoice,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly text: CLIPTextModelWithProjection,
    private readonly vision: CLIPVisionModelWithProjection,
    private readonly preprocess: ImagePreprocess,
    /** Tokens the text model reads, special tokens included. */
    readonly window: number,
    private readonly maxPixels: number,
    /** What vision_model declares for its pixels (an fp16 export: float16). */
    private readonly pixelType: FloatType,
  ) {}

  static async load(options: ScorerOptions): Promise<ClipScorer> {
    const choice = await chooseDevice(options.device ?? 'auto');
    const device = choice.device;
    const resolved = await resolveModelOf(SCORER_KINDS, options.model, device, options.dtype ?? 'auto', options.source);
    const common = { device, dtype: resolved.dtype.dtype, local_files_only: true, ...sessionOptionsFor(device) };
    const text = await CLIPTextModelWithProjection.from_pretrained(resolved.folder, common);
    const vision = await CLIPVisionModelWithProjection.from_pretrained(resolved.folder, common);
    const tokenizer = await AutoTokenizer.from_pretrained(resolved.folder, { local_files_only: true });
    const window = Number(tokenizer.model_max_length);
    if (!Number.isInteger(window) || window < 2 || window > 4096) throw new Error(`${resolved.folder}: tokenizer_config.json has no usable model_max_length (the text window)`);
    const pixelType = declaredFloatType((vision.sessions as Record<string, InferenceSession>).model, 'pixel_values', 'the vision_model graph');
    return new ClipScorer(resolved, choice, tokenizer, text, vision, await readPreprocess(resolved.folder), window, options.maxPixels ?? DEFAULT_MAX_PIXELS, pixelType);
  }

  /** What the scores are recorded as (`score_model`): the hub id or the folder's name. */
  get modelName(): string {
    return this.resolved.id;
  }

  describe(): string {
    return `${this.resolved.id} (${this.resolved.dtype.dtype}) on ${describeDeviceChoice(this.deviceChoice)}, text window ${this.window} tokens`;
  }

  private tokenCount(text: string): number {
    return (this.tokenizer.encode(text) as number[]).length;
  }

  /** Embeddings of `texts`, each cut to the window. */
  private async embedTexts(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const inputs = this.tokenizer(texts as string[], { padding: true, truncation: true, max_length: this.window });
    const out = (await this.text(inputs)) as { text_embeds: Tensor };
    return rowsOf(out.text_embeds);
  }

  /** The image's embedding; throws with sharp's message for an image that does not decode. */
  async embedImage(file: string): Promise<number[]> {
    const p = this.preprocess;
    const { pixels } = await loadPixels(file, p, this.maxPixels, this.pixelType);
    const out = (await this.vision({ pixel_values: new Tensor(this.pixelType, pixels, [1, 3, p.height, p.width]) })) as { image_embeds: Tensor };
    return rowsOf(out.image_embeds)[0]!;
  }

  /** Each text's score against the image embedding (see the file comment for texts beyond the window). */
  async scoreTexts(image: readonly number[], texts: readonly string[]): Promise<number[]> {
    // One text-model run for every piece: the whole texts that fit, the sentences of those that do not.
    const pieces: string[] = [];
    const spans = texts.map((text) => {
      const parts = this.tokenCount(text) <= this.window ? [text] : sentencesOf(text);
      const from = pieces.length;
      pieces.push(...(parts.length > 0 ? parts : [text]));
      return { from, to: pieces.length };
    });
    const embeddings = await this.embedTexts(pieces);
    return spans.map(({ from, to }) => {
      let sum = 0;
      for (let k = from; k < to; k++) sum += cosine(image, embeddings[k]!);
      return sum / (to - from);
    });
  }

  async dispose(): Promise<void> {
    await Promise.all([this.text.dispose(), this.vision.dispose()]);
  }
}

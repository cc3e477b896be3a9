// The one interface every captioner sits behind: local ONNX families (Florence-2, vision-encoder-decoder)
// and the remote OpenAI-compatible backend. The pipeline (pipeline.ts) only speaks this.
import type { CaptionFinish, CaptionKind } from '../../shared/record.js';

/** An image after the CPU-side work (decode, orient, resize, normalise or encode), ready for inference. */
export interface PreparedImage {
  fileName: string;
  /** Displayed size of the source image, for post-processing that needs it. */
  width: number;
  height: number;
  /** Backend-specific payload (a pixel tensor for local models, a JPEG for remote ones). */
  payload: unknown;
}

export type CaptionTexts = Partial<Record<CaptionKind, string>>;

/** One image's outcome within a batch: its captions, or why it failed (the rest of the batch goes on). */
export type CaptionResult =
  | {
      ok: true;
      captions: CaptionTexts;
      /** Why each caption's generation ended, where the backend knows (recorded as the caption's `finish`). */
      finish?: Partial<Record<CaptionKind, CaptionFinish>>;
      /** Why a requested caption is missing when the others came back (the good ones are still written). */
      failures?: Partial<Record<CaptionKind, string>>;
    }
  | { ok: false; error: string };

/**
 * The backend cannot go on (its engine process died): the run ends with this error after saving what was
 * written, and records nothing against the images of the batch in flight, so the next run does them.
 */
export class BackendStoppedError extends Error {
  override name = 'BackendStoppedError';
}

export interface CaptionBackend {
  /** Recorded as the caption's `model` field. */
  readonly modelId: string;
  /** Where it runs, e.g. "cpu", "webgpu", "cuda", "remote" (it may change mid-run: a GPU falling back). */
  readonly device: string;
  /** The caption kinds it can write (e.g. vit-gpt2 only writes the SSC); absent means both. */
  readonly tasks?: readonly CaptionKind[];
  /** Batch size to use when the user did not choose one. */
  readonly defaultBatchSize: number;
  /** Decode and preprocess one image file; throws with a readable message for an unreadable image. */
  prepare(filePath: string, fileName: string): Promise<PreparedImage>;
  /** Caption a batch for the requested tasks. Results are in the order of `images`. */
  caption(images: readonly PreparedImage[], tasks: readonly CaptionKind[], signal?: AbortSignal): Promise<CaptionResult[]>;
  /** Release the model and its memory. */
  dispose(): Promise<void>;
}

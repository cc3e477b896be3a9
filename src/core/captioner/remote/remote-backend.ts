// The remote captioner: an OpenAI-compatible vision endpoint (vLLM, Ollama, LM Studio, a hosted API)
// behind the same CaptionBackend interface as the local models. prepare() downscales and JPEG-encodes with
// sharp (so uploads stay small and the server does not resize a 40-megapixel photo); caption() sends one
// request per image per task, at most `concurrency` at a time across all batches.
import sharp from 'sharp';
import { assertRegularFile } from '../../util/regular-file.js';
import { DEFAULT_MAX_PIXELS } from '../../limits.js';
import type { CaptionKind } from '../../../shared/record.js';
import type { CaptionBackend, CaptionResult, CaptionTexts, PreparedImage } from '../backend.js';
import { abortReason } from './backoff.js';
import { dataUrlBytes } from './request-body.js';
import { DEFAULT_CONCURRENCY, describeEndpointModel } from './endpoint.js';
import { ConcurrencyLimiter } from './limiter.js';
import { ChatClient, RemoteRequestError, type ChatClientOptions, type ChatMessage } from './openai-client.js';
import { DEFAULT_CAPTION_PROMPTS, DEFAULT_MAX_TOKENS, type CaptionPrompts } from './prompts.js';

export interface RemoteBackendOptions extends ChatClientOptions {
  /** Requests in flight at once, across every batch. */
  concurrency?: number;
  /** Longest side of the uploaded image, in pixels. Smaller images are sent at their own size. */
  maxSide?: number;
  jpegQuality?: number;
  /** Replace the default SSC and/or DSC prompt. */
  prompts?: Partial<CaptionPrompts>;
  maxTokens?: Partial<Record<CaptionKind, number>>;
  temperature?: number;
  /** Images with more pixels than this are refused before decoding (decompression-bomb guard). */
  maxPixels?: number;
}

export const DEFAULT_MAX_SIDE = 1024;
export const DEFAULT_JPEG_QUALITY = 90;
/** Low but not zero: faithful captions without the repetition loops some models fall into at 0. */
export const DEFAULT_TEMPERATURE = 0.2;

/** What prepare() hands to caption(): the upload, ready to send. */
export interface RemotePayload {
  kind: 'remote-jpeg';
  /** data:image/jpeg;base64,... as ASCII bytes, spliced into each request without re-encoding. */
  dataUrl: Uint8Array;
  /** Size of the uploaded JPEG. */
  sentWidth: number;
  sentHeight: number;
}

function isRemotePayload(value: unknown): value is RemotePayload {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'remote-jpeg';
}

/** Downscales (EXIF orientation applied, alpha flattened on white) and JPEG-encodes one image for upload. */
export async function encodeForUpload(
  filePath: string,
  options: { maxSide: number; jpegQuality: number; maxPixels?: number },
): Promise<{ payload: RemotePayload; width: number; height: number }> {
  await assertRegularFile(filePath);
  const image = sharp(filePath, { limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS, animated: false });
  const meta = await image.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  const { data, info } = await image
    .autoOrient()
    .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: options.jpegQuality })
    .toBuffer({ resolveWithObject: true });
  return {
    payload: { kind: 'remote-jpeg', dataUrl: dataUrlBytes('image/jpeg', data), sentWidth: info.width, sentHeight: info.height },
    width,
    height,
  };
}

export class RemoteCaptionBackend implements CaptionBackend {
  readonly modelId: string;
  readonly device = 'remote';
  readonly defaultBatchSize: number;
  readonly client: ChatClient;
  private readonly limiter: ConcurrencyLimiter;
  private readonly prompts: CaptionPrompts;
  private readonly maxTokens: Record<CaptionKind, number>;
  private readonly temperature: number;
  private readonly maxSide: number;
  private readonly jpegQuality: number;
  private readonly maxPixels: number | undefined;

  constructor(options: RemoteBackendOptions) {
    this.client = new ChatClient(options);
    this.modelId = describeEndpointModel(this.client.baseUrl, this.client.model);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.limiter = new ConcurrencyLimiter(concurrency);
    // Batches of a few waves per task keep every slot busy while the pipeline checkpoints between batches.
    this.defaultBatchSize = Math.max(4, concurrency * 2);
    this.prompts = { ...DEFAULT_CAPTION_PROMPTS, ...definedOnly(options.prompts) };
    this.maxTokens = { ...DEFAULT_MAX_TOKENS, ...definedOnly(options.maxTokens) };
    this.temperature = options.temperature ?? DEFAULT_TEMPERATURE;
    this.maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
    this.jpegQuality = options.jpegQuality ?? DEFAULT_JPEG_QUALITY;
    this.maxPixels = options.maxPixels;
    if (!Number.isInteger(this.maxSide) || this.maxSide < 16) throw new RangeError(`maxSide must be an integer >= 16, got ${this.maxSide}`);
    for (const kind of ['ssc', 'dsc'] as const) {
      if (this.prompts[kind].trim() === '') throw new Error(`the ${kind.toUpperCase()} prompt is empty`);
    }
  }

  async prepare(filePath: string, fileName: string): Promise<PreparedImage> {
    const encoded = await encodeForUpload(filePath, { maxSide: this.maxSide, jpegQuality: this.jpegQuality, maxPixels: this.maxPixels });
    return { fileName, width: encoded.width, height: encoded.height, payload: encoded.payload };
  }

  /** The request messages for one image and task: the prompt, then the image as a data-URL part. */
  messagesFor(payload: RemotePayload, task: CaptionKind): ChatMessage[] {
    return [
      {
        role: 'user',
        content: [
          { type: 'text', text: this.prompts[task] },
          { type: 'image_url', image_url: { url: payload.dataUrl } },
        ],
      },
    ];
  }

  async caption(images: readonly PreparedImage[], tasks: readonly CaptionKind[], signal?: AbortSignal): Promise<CaptionResult[]> {
    const results = await Promise.all(images.map((image) => this.captionOne(image, tasks, signal)));
    // A cancelled run is not a pile of per-image errors: the caller sees the abort and keeps what it saved.
    if (signal?.aborted) throw abortReason(signal);
    return results;
  }

  private async captionOne(image: PreparedImage, tasks: readonly CaptionKind[], signal?: AbortSignal): Promise<CaptionResult> {
    const payload = image.payload;
    if (!isRemotePayload(payload)) return { ok: false, error: 'internal: this image was not prepared by the remote backend' };
    const settled = await Promise.allSettled(
      tasks.map((task) =>
        this.limiter.run(
          () => this.client.complete(this.messagesFor(payload, task), { maxTokens: this.maxTokens[task], temperature: this.temperature }, signal),
          signal,
        ),
      ),
    );
    const captions: CaptionTexts = {};
    const failures: Partial<Record<CaptionKind, string>> = {};
    settled.forEach((outcome, i) => {
      const task = tasks[i]!;
      if (outcome.status === 'fulfilled') captions[task] = outcome.value;
      else if (outcome.reason instanceof RemoteRequestError) failures[task] = `${task.toUpperCase()}: ${outcome.reason.message}`;
      else if (!signal?.aborted) failures[task] = `${task.toUpperCase()}: ${this.client.redact(String((outcome.reason as Error)?.message ?? outcome.reason))}`;
    });
    if (signal?.aborted) throw abortReason(signal);
    const failed = Object.values(failures);
    if (Object.keys(captions).length === 0) return { ok: false, error: failed.join('; ') || 'no caption came back' };
    // A caption that came back is kept even when its sibling failed: the image's error names the failed one,
    // and a re-run of failed images (redo=errors) asks only for what is still missing.
    return failed.length > 0 ? { ok: true, captions, failures } : { ok: true, captions };
  }

  async dispose(): Promise<void> {
    // Nothing held: each request's connection belongs to undici's pool.
  }
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

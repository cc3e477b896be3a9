// The local captioner: a Hugging Face ONNX model run by transformers.js on onnxruntime-node, behind the
// CaptionBackend interface. createLocalBackend picks the device, resolves (and if needed downloads) the
// model, picks the dtype and loads the family's sessions.
import { env } from '@huggingface/transformers';
import type { CaptionFinish, CaptionKind } from '../../../shared/record.js';
import type { CaptionBackend, CaptionResult, PreparedImage } from '../backend.js';
import { DEFAULT_BATCH_SIZE } from '../defaults.js';
import { AUTO_DEVICES, DeviceError, chooseDevice, describeDeviceChoice, type Device, type DeviceChoice, type DeviceProbe, type DeviceRequest } from './device.js';
import { DtypeError, type DtypeRequest } from './dtype.js';
import type { DecodeLoop, FamilyModel } from './families/family.js';
import { loadPixels, readPreprocess, type ImagePreprocess } from './image-prep.js';
import { resolveModel, type ModelSourceOptions, type ResolvedModel } from './model-source.js';
import type { PostprocessOptions } from './postprocess.js';
import { checkAborted } from './abort.js';
import { pixelsAs } from './families/input-types.js';

export interface LocalBackendOptions {
  /** A model folder in Hugging Face ONNX layout, or a hub id. */
  model: string;
  device?: DeviceRequest;
  /** Under 'auto', the devices to try, in order (default: CUDA, WebGPU, CPU). */
  candidates?: readonly Device[];
  dtype?: DtypeRequest;
  /** Hub downloads: cache folder, endpoint, progress, abort. */
  source?: ModelSourceOptions;
  /** Florence-2 task tokens, e.g. { dsc: '<DETAILED_CAPTION>' }. */
  taskPrompts?: Partial<Record<CaptionKind, string>>;
  maxNewTokens?: number;
  postprocess?: PostprocessOptions;
  /** The own greedy loop (default) or transformers.js's generate(), e.g. to compare them. */
  decodeLoop?: DecodeLoop;
  /** Images with more pixels are refused (decompression-bomb guard). */
  maxPixels?: number;
  /** Injected for tests; default: real ONNX Runtime sessions. */
  probe?: DeviceProbe;
}

/** Pixels in the type the vision graph declares (float16 bits for fp16 exports): converted once, in prepare. */
type Pixels = Float32Array | Uint16Array;

interface LocalPayload {
  pixels: Pixels;
}

function isLocalPayload(p: unknown): p is LocalPayload {
  const pixels = typeof p === 'object' && p !== null ? (p as LocalPayload).pixels : undefined;
  return pixels instanceof Float32Array || pixels instanceof Uint16Array;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class LocalCaptionBackend implements CaptionBackend {
  readonly modelId: string;
  readonly device: string;
  readonly defaultBatchSize: number;
  readonly tasks: readonly CaptionKind[];
  private batchBuffer: Pixels | null = null;
  private batchBusy = false;

  constructor(
    readonly resolved: ResolvedModel,
    readonly deviceChoice: DeviceChoice,
    private readonly model: FamilyModel,
    private readonly preprocess: ImagePreprocess,
    private readonly maxPixels: number | undefined,
  ) {
    this.modelId = resolved.id;
    this.device = deviceChoice.device;
    this.defaultBatchSize = DEFAULT_BATCH_SIZE[deviceChoice.device];
    this.tasks = resolved.family.tasks;
  }

  /** The decode loop in use (see FamilyModel.decodeLoop). */
  get decodeLoop(): FamilyModel['decodeLoop'] {
    return this.model.decodeLoop;
  }

  /** e.g. "florence2 fp32 on cpu (not cuda: ...; not webgpu: ...)", and the decode loop when it is not the own. */
  describe(): string {
    const dtype = this.resolved.dtype.note ? `${this.resolved.dtype.dtype} (${this.resolved.dtype.note})` : this.resolved.dtype.dtype;
    const loop = this.model.decodeLoop;
    const decoding = loop.loop === 'own' ? '' : `, decoding with ${loop.note ?? 'transformers.js generate()'}`;
    return `${this.resolved.family.name} ${dtype} on ${describeDeviceChoice(this.deviceChoice)}${decoding}`;
  }

  async prepare(filePath: string, fileName: string): Promise<PreparedImage> {
    const { pixels, sourceWidth, sourceHeight } = await loadPixels(filePath, this.preprocess, this.maxPixels, this.model.pixelType);
    return { fileName, width: sourceWidth, height: sourceHeight, payload: { pixels } satisfies LocalPayload };
  }

  /**
   * The signal is checked before the batch starts only: a batch in flight runs to the end (a Florence-2
   * batch is one generate per task), so cancelling never throws away an SSC that is already computed.
   */
  async caption(images: readonly PreparedImage[], tasks: readonly CaptionKind[], signal?: AbortSignal): Promise<CaptionResult[]> {
    checkAborted(signal);
    const wanted = tasks.filter((t) => this.tasks.includes(t));
    if (!images.length || !wanted.length) return images.map(() => ({ ok: true, captions: {} }));
    try {
      return await this.captionBatch(images, wanted);
    } catch (err) {
      if (images.length === 1) return [{ ok: false, error: message(err) }];
      // One bad input must not sink the batch: retry one by one to find it.
      const results: CaptionResult[] = [];
      for (const image of images) {
        try {
          results.push(...(await this.captionBatch([image], wanted)));
        } catch (e) {
          results.push({ ok: false, error: message(e) });
        }
      }
      return results;
    }
  }

  /** One batch as one inference: throws when it fails as a whole (caption() above retries image by image). */
  async captionBatch(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]> {
    const { width, height } = this.preprocess;
    const plane = 3 * width * height;
    const batch = this.takeBatchBuffer(plane * images.length);
    const data = batch.data;
    images.forEach((image, i) => {
      const payload = image.payload;
      if (!isLocalPayload(payload) || payload.pixels.length !== plane) throw new Error(`${image.fileName}: not prepared by this backend`);
      // Prepared for other weights (a GPU's fp16, handed to the CPU's fallback): converted, not refused.
      data.set(payload.pixels.constructor === data.constructor ? payload.pixels : pixelsAs(this.model.pixelType, payload.pixels), i * plane);
    });
    let texts: Awaited<ReturnType<FamilyModel['caption']>>;
    try {
      texts = await this.model.caption({ data, count: images.length, width, height }, tasks);
    } finally {
      batch.release();
    }
    return images.map((_, i) => {
      const captions: Partial<Record<CaptionKind, string>> = {};
      const finish: Partial<Record<CaptionKind, CaptionFinish>> = {};
      for (const kind of tasks) {
        const generated = texts[kind]?.[i];
        if (!generated?.text) continue;
        captions[kind] = generated.text;
        finish[kind] = generated.finish;
      }
      return Object.keys(captions).length ? { ok: true, captions, finish } : { ok: false, error: 'the model produced an empty caption' };
    });
  }

  /**
   * The batch's pixel buffer, reused from batch to batch: a fresh 28 MB array (four 768 px images) costs
   * more in page faults than the copy into it (about 120 ms against 10 on a 2-core machine). A call made
   * while another batch holds it gets its own.
   */
  private takeBatchBuffer(length: number): { data: Pixels; release(): void } {
    const Type = this.model.pixelType === 'float16' ? Uint16Array : Float32Array;
    if (this.batchBusy) return { data: new Type(length), release: () => undefined };
    if (!this.batchBuffer || this.batchBuffer.length < length || !(this.batchBuffer instanceof Type)) this.batchBuffer = new Type(length);
    this.batchBusy = true;
    return {
      data: this.batchBuffer.subarray(0, length),
      release: () => {
        this.batchBusy = false;
      },
    };
  }

  async dispose(): Promise<void> {
    this.batchBuffer = null;
    await this.model.dispose();
  }
}

/** transformers.js must never reach for the network on its own: downloads go through hub-download.ts. */
function configureTransformers(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
}

/**
 * Picks the device (see device.ts), resolves the model for it and loads it. Under 'auto' a GPU on which the
 * model itself fails to load (an operator the provider lacks, too little memory) is passed over like one
 * that failed its probe, with the reason kept; an explicit device never falls back.
 */
export async function createLocalBackend(options: LocalBackendOptions): Promise<LocalCaptionBackend> {
  configureTransformers();
  const request = options.device ?? 'auto';
  const rejected: DeviceChoice['rejected'] = [];
  let choice = await chooseDevice(request, options.probe, options.candidates);
  for (;;) {
    rejected.push(...choice.rejected);
    const device = choice.device;
    let resolved: ResolvedModel;
    try {
      resolved = await resolveModel(options.model, device, options.dtype ?? 'auto', options.source);
    } catch (err) {
      // The weights asked for cannot run on this GPU (fp16 without shader-f16): under auto, the next device.
      if (!(err instanceof DtypeError) || request !== 'auto' || device === 'cpu') throw err;
      rejected.push({ device, reason: message(err) });
      const tried = new Set(rejected.map((r) => r.device));
      choice = await chooseRemaining((options.candidates ?? AUTO_DEVICES).filter((d) => d !== 'cuda' && !tried.has(d)), options.probe);
      continue;
    }
    const preprocess = await readPreprocess(resolved.folder);
    try {
      const model = await resolved.family.load(resolved.folder, {
        device,
        dtype: resolved.dtype.dtype,
        taskPrompts: options.taskPrompts,
        maxNewTokens: options.maxNewTokens,
        postprocess: options.postprocess,
        decodeLoop: options.decodeLoop,
      });
      return new LocalCaptionBackend(resolved, { device, rejected }, model, preprocess, options.maxPixels);
    } catch (err) {
      const reason = `cannot load ${resolved.id} (${resolved.family.name}, ${resolved.dtype.dtype}) on ${device}: ${message(err)}`;
      if (request !== 'auto' || device === 'cpu') throw new Error(reason);
      rejected.push({ device, reason: `the model did not load: ${message(err)}` });
      const tried = new Set(rejected.map((r) => r.device));
      const remaining = (options.candidates ?? AUTO_DEVICES).filter((d) => d !== 'cuda' && !tried.has(d));
      choice = await chooseRemaining(remaining, options.probe);
    }
  }
}

/** The first of `devices` that passes its probe (the last one, cpu, is always among them). */
async function chooseRemaining(devices: readonly Device[], probe: DeviceProbe | undefined): Promise<DeviceChoice> {
  const rejected: DeviceChoice['rejected'] = [];
  for (const device of devices) {
    try {
      return { ...(await chooseDevice(device, probe)), rejected };
    } catch (err) {
      rejected.push({ device, reason: message(err) });
    }
  }
  throw new DeviceError(`no device works: ${rejected.map((r) => `${r.device}: ${r.reason}`).join('; ')}`);
}

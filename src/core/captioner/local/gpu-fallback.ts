// A GPU that fails mid-run (out of memory, device lost) costs a smaller batch, then the CPU, never an
// image: a failed GPU batch is split in halves and the GPU's batch bound halves with it; an image that
// fails alone on the GPU is tried on the CPU, and when the CPU captions it the rest of the run stays
// there. An image that fails on the CPU too is that image's error, and the GPU goes on.
import type { CaptionKind } from '../../../shared/record.js';
import type { CaptionResult, PreparedImage } from '../backend.js';
import { errorLine } from '../../util/error-line.js';

/** The part of a loaded captioner this drives: one batch that throws when it fails as a whole. */
export interface BatchCaptioner {
  readonly device: string;
  captionBatch(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]>;
  dispose(): Promise<void>;
}

export interface FallbackEvents {
  /** A change of batch bound or of device, in a sentence; `device` is where the run goes on. */
  onNotice(message: string, device: string): void;
}


export class GpuFallbackCaptioner {
  private current: BatchCaptioner;
  private onGpu: boolean;
  /** The most images the GPU is given at once; halves at each failed batch. */
  private gpuBatch = Number.POSITIVE_INFINITY;
  /** Loaded the first time an image fails alone on the GPU, and kept. */
  private cpu: BatchCaptioner | null = null;

  constructor(
    gpu: BatchCaptioner,
    private readonly loadCpu: () => Promise<BatchCaptioner>,
    private readonly events: FallbackEvents,
    /** The largest batch the GPU is known to run (the canary's); default: no bound until one fails. */
    gpuBatch = Number.POSITIVE_INFINITY,
  ) {
    this.current = gpu;
    this.onGpu = gpu.device !== 'cpu';
    this.gpuBatch = gpuBatch;
  }

  get device(): string {
    return this.current.device;
  }

  async caption(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]> {
    const results: CaptionResult[] = [];
    for (let from = 0; from < images.length; ) {
      if (!this.onGpu) {
        results.push(...(await this.onCpu(images.slice(from), tasks)));
        break;
      }
      const size = Math.min(this.gpuBatch, images.length - from);
      results.push(...(await this.tryGpu(images.slice(from, from + size), tasks)));
      from += size;
    }
    return results;
  }

  private async tryGpu(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]> {
    try {
      return await this.current.captionBatch(images, tasks);
    } catch (err) {
      if (images.length === 1) return this.alone(images[0]!, tasks, err);
      const device = this.current.device;
      this.gpuBatch = Math.ceil(images.length / 2);
      this.events.onNotice(`${device} failed on a batch of ${images.length} (${errorLine(err)}); going on with batches of ${this.gpuBatch}`, device);
      return this.caption(images, tasks);
    }
  }

  /** One image the GPU failed on: the CPU decides whether the GPU or the image is at fault. */
  private async alone(image: PreparedImage, tasks: readonly CaptionKind[], gpuError: unknown): Promise<CaptionResult[]> {
    this.cpu ??= await this.loadCpu();
    const cpu = this.cpu;
    let results: CaptionResult[];
    try {
      results = await cpu.captionBatch([image], tasks);
    } catch (err) {
      return [{ ok: false, error: errorLine(err) }];
    }
    const gpu = this.current;
    this.events.onNotice(`${gpu.device} failed on ${image.fileName} alone (${errorLine(gpuError)}) and the CPU captioned it; the rest of the run goes on on the CPU`, 'cpu');
    this.current = cpu;
    this.onGpu = false;
    await gpu.dispose();
    return results;
  }

  /** On the CPU a failed batch is retried image by image, so one bad input does not sink the others. */
  private async onCpu(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]> {
    try {
      return await this.current.captionBatch(images, tasks);
    } catch (err) {
      if (images.length === 1) return [{ ok: false, error: errorLine(err) }];
      const results: CaptionResult[] = [];
      for (const image of images) results.push(...(await this.onCpu([image], tasks)));
      return results;
    }
  }

  async dispose(): Promise<void> {
    await this.current.dispose();
    if (this.cpu && this.cpu !== this.current) await this.cpu.dispose();
  }
}

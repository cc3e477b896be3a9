// A CaptionBackend whose model lives in the engine process: images are decoded there (the caller holds
// a handle), batches are captioned there, and this side only sends requests and waits, so the caller's
// thread never runs inference. Cancel gives the batch in flight CANCEL_GRACE_MS to answer (its captions
// are then kept), else the engine is killed. The engine dying fails the run with BackendStoppedError.
import { BackendStoppedError, type CaptionBackend, type CaptionResult, type PreparedImage } from '../captioner/backend.js';
import type { CaptionKind } from '../../shared/record.js';
import { EngineProcess, EngineStoppedError, type EngineStartOptions } from './engine-process.js';
import type { CaptionerInfo, CaptionerLoadOptions } from './protocol.js';

/** How long a cancelled batch may take to answer before the engine is killed. */
export const CANCEL_GRACE_MS = 1500;

export interface EngineCaptionerOptions extends EngineStartOptions {
  load: CaptionerLoadOptions;
  /** Loading progress (downloads). */
  onProgress?: (message: string) => void;
  /** Cancels loading: the engine is killed. */
  signal?: AbortSignal;
}

interface Handle {
  handle: number;
}

function isHandle(payload: unknown): payload is Handle {
  return typeof payload === 'object' && payload !== null && typeof (payload as Handle).handle === 'number';
}

function abortError(): Error {
  return new DOMException('cancelled', 'AbortError');
}

function names(images: readonly PreparedImage[]): string {
  const shown = images.slice(0, 8).map((i) => i.fileName);
  return shown.join(', ') + (images.length > shown.length ? ` and ${images.length - shown.length} more` : '');
}

export class EngineCaptionBackend implements CaptionBackend {
  readonly modelId: string;
  readonly tasks: readonly CaptionKind[];
  readonly defaultBatchSize: number;
  /** The device line: family, dtype, device, and why the other devices were passed over. */
  readonly description: string;
  private currentDevice: string;

  private constructor(
    private readonly engine: EngineProcess,
    info: CaptionerInfo,
  ) {
    this.modelId = info.modelId;
    this.tasks = info.tasks;
    this.defaultBatchSize = info.defaultBatchSize;
    this.description = info.description;
    this.currentDevice = info.device;
  }

  static async open(options: EngineCaptionerOptions): Promise<EngineCaptionBackend> {
    options.signal?.throwIfAborted();
    let backend: EngineCaptionBackend | null = null;
    const engine = await EngineProcess.start({
      ...options,
      onNotice: (message, device) => {
        if (backend) backend.currentDevice = device;
        options.onNotice?.(message, device);
      },
    });
    const onAbort = () => engine.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await engine.request({ type: 'loadCaptioner', options: options.load }, options.onProgress);
      backend = new EngineCaptionBackend(engine, info);
      return backend;
    } catch (err) {
      engine.kill();
      if (options.signal?.aborted) throw abortError();
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  get device(): string {
    return this.currentDevice;
  }

  /** The engine's process id (tests kill it to prove a crash loses nothing). */
  get pid(): number | undefined {
    return this.engine.pid;
  }

  async prepare(filePath: string, fileName: string): Promise<PreparedImage> {
    try {
      const { handle, width, height } = await this.engine.request({ type: 'prepare', filePath, fileName });
      return { fileName, width, height, payload: { handle } satisfies Handle };
    } catch (err) {
      if (err instanceof EngineStoppedError) throw new BackendStoppedError(`${err.message}, while reading ${fileName}`);
      throw err;
    }
  }

  async caption(images: readonly PreparedImage[], tasks: readonly CaptionKind[], signal?: AbortSignal): Promise<CaptionResult[]> {
    if (signal?.aborted) throw abortError();
    const handles = images.map((image) => {
      if (!isHandle(image.payload)) throw new Error(`${image.fileName}: not prepared by this engine`);
      return image.payload.handle;
    });
    const answer = this.engine.request({ type: 'caption', images: handles, tasks: [...tasks] }).catch((err: unknown) => {
      if (err instanceof EngineStoppedError) throw new BackendStoppedError(`${err.message}, while captioning ${names(images)}`);
      throw err;
    });
    if (!signal) return answer;
    return new Promise<CaptionResult[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(() => {
          this.engine.kill();
          reject(abortError());
        }, CANCEL_GRACE_MS);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(resolve, (err: unknown) => reject(signal.aborted ? abortError() : err)).finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  async dispose(): Promise<void> {
    await this.engine.shutdown();
  }
}

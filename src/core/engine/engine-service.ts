// The engine's side of the protocol: one captioner and one scorer at most, the images prepared for them
// (decoded in this process: pixel tensors never cross the pipe), and a handler per request type. Only
// the engine process loads ONNX Runtime; it runs on this process's thread, never the caller's.
import type { CaptionKind } from '../../shared/record.js';
import type { PreparedImage } from '../captioner/backend.js';
import { canaryOnDevice, loadCheckedCaptioner, type CheckedCaptioner, type RunCaptioner } from '../captioner/local/checked-captioner.js';
import { deviceReadiness } from '../captioner/local/device-readiness.js';
import type { LocalCaptionBackend } from '../captioner/local/local-backend.js';
import type { ClipScorer } from '../scoring/clip-scorer.js';
import { injectedFaults } from './injected-faults.js';
import type { CaptionerLoadOptions, EngineRequest, EngineResults, ScorerLoadOptions } from './protocol.js';

export interface EngineOutput {
  progress(id: number, message: string): void;
  notice(message: string, device: string): void;
}

/** Prepared images the engine holds at most: the caller's queue is far smaller; this bounds a runaway. */
const MAX_PREPARED = 1024;

export class EngineService {
  private captioner: CheckedCaptioner | null = null;
  private scorer: ClipScorer | null = null;
  private readonly prepared = new Map<number, PreparedImage>();
  private nextHandle = 1;

  constructor(private readonly output: EngineOutput) {}

  async handle<K extends EngineRequest['type']>(request: Extract<EngineRequest, { type: K }>): Promise<EngineResults[K]> {
    const r = request as EngineRequest;
    switch (r.type) {
      case 'loadCaptioner':
        return (await this.loadCaptioner(r.id, r.options)) as EngineResults[K];
      case 'loadScorer':
        return (await this.loadScorer(r.options)) as EngineResults[K];
      case 'prepare':
        return (await this.prepare(r.filePath, r.fileName)) as EngineResults[K];
      case 'caption':
        return (await this.caption(r.images, r.tasks)) as EngineResults[K];
      case 'release':
        for (const h of r.images) this.prepared.delete(h);
        return null as EngineResults[K];
      case 'embedImage':
        return (await this.requireScorer().embedImage(r.filePath)) as EngineResults[K];
      case 'scoreTexts':
        return (await this.requireScorer().scoreTexts(r.image, r.texts)) as EngineResults[K];
      case 'deviceReport':
        return (await this.deviceReport(r.model, r.dtype, r.cacheDir)) as EngineResults[K];
      case 'memory': {
        const m = process.memoryUsage();
        return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external } as EngineResults[K];
      }
      case 'shutdown':
        await this.dispose();
        return null as EngineResults[K];
    }
  }

  private async loadCaptioner(id: number, o: CaptionerLoadOptions): Promise<EngineResults['loadCaptioner']> {
    if (this.captioner) throw new Error('this engine already holds a captioner');
    const faults = injectedFaults();
    this.captioner = await loadCheckedCaptioner(
      {
        model: o.model,
        device: o.device,
        dtype: o.dtype,
        taskPrompts: o.taskPrompts,
        maxNewTokens: o.maxNewTokens,
        postprocess: { dropClosingSentence: o.dropClosingSentence ?? false },
        decodeLoop: o.decodeLoop,
        maxPixels: o.maxPixels,
        batchSize: o.batchSize,
        source: {
          cacheDir: o.cacheDir,
          onProgress: (p) =>
            this.output.progress(id, `downloading ${o.model}: ${p.file} (file ${p.filesDone + 1} of ${p.filesTotal}), ${(p.bytes / 1e6).toFixed(0)}${p.total ? ` of ${(p.total / 1e6).toFixed(0)}` : ''} MB`),
        },
        decorateGpu: faults ? (b: LocalCaptionBackend): RunCaptioner => faults.wrap(b) : undefined,
      },
      { onNotice: (message, device) => this.output.notice(message, device) },
    );
    const { backend, canary } = this.captioner;
    const note = canary?.ok && canary.note ? ` (${canary.note})` : '';
    return {
      modelId: backend.modelId,
      device: backend.device,
      description: `${backend.describe()}${note}`,
      tasks: [...backend.tasks],
      defaultBatchSize: backend.defaultBatchSize,
    };
  }

  private async loadScorer(o: ScorerLoadOptions): Promise<EngineResults['loadScorer']> {
    if (this.scorer) throw new Error('this engine already holds a scorer');
    const { ClipScorer } = await import('../scoring/clip-scorer.js');
    this.scorer = await ClipScorer.load({ model: o.model, device: o.device, dtype: o.dtype, maxPixels: o.maxPixels, source: { cacheDir: o.cacheDir } });
    return { modelName: this.scorer.modelName, description: this.scorer.describe() };
  }

  /** Each device's probe, and with a model the canary on each GPU that starts; never downloads a model. */
  private async deviceReport(model: string | undefined, dtype: CaptionerLoadOptions['dtype'], cacheDir: string | undefined): Promise<EngineResults['deviceReport']> {
    const offline: typeof fetch = async () => {
      throw new Error(`${model} is not downloaded yet (a status check downloads nothing; name a model folder, or caption once)`);
    };
    const rows = await deviceReadiness(model ? (device) => canaryOnDevice({ model, dtype, source: { cacheDir, fetch: offline } }, device) : undefined);
    return rows.map((r) => ({ device: r.device, ok: r.ok, ...(r.reason ? { reason: r.reason } : {}), ...(r.canary ? { canary: r.canary } : {}) }));
  }

  private requireCaptioner(): CheckedCaptioner {
    if (!this.captioner) throw new Error('no captioner is loaded');
    return this.captioner;
  }

  private requireScorer(): ClipScorer {
    if (!this.scorer) throw new Error('no scorer is loaded');
    return this.scorer;
  }

  private async prepare(filePath: string, fileName: string): Promise<EngineResults['prepare']> {
    const { backend } = this.requireCaptioner();
    if (this.prepared.size >= MAX_PREPARED) throw new Error(`the engine already holds ${MAX_PREPARED} prepared images`);
    const image = await backend.prepare(filePath, fileName);
    const handle = this.nextHandle++;
    this.prepared.set(handle, image);
    return { handle, width: image.width, height: image.height };
  }

  private async caption(handles: readonly number[], tasks: readonly CaptionKind[]): Promise<EngineResults['caption']> {
    const { run } = this.requireCaptioner();
    const images = handles.map((h) => {
      const image = this.prepared.get(h);
      if (!image) throw new Error(`no prepared image ${h}`);
      return image;
    });
    try {
      return await run.caption(images, tasks);
    } finally {
      for (const h of handles) this.prepared.delete(h);
    }
  }

  async dispose(): Promise<void> {
    this.prepared.clear();
    const captioner = this.captioner;
    const scorer = this.scorer;
    this.captioner = null;
    this.scorer = null;
    await captioner?.run.dispose();
    await scorer?.dispose();
  }
}

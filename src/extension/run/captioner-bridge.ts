// The one place the extension calls into src/core/captioner: load a backend for the settings and run the
// captioning pipeline over a manifest. Kept small so the captioner's API can move without touching the job
// manager. The local captioner (transformers.js, ONNX Runtime) is imported only when a run loads it, so
// opening the editor to review never loads either.
import type { CaptionBackend } from '../../core/captioner/backend.js';
import type { DeviceRequest, DtypeRequest } from '../../core/captioner/local/index.js';
import { RemoteCaptionBackend, type RemoteBackendOptions } from '../../core/captioner/remote/index.js';
import { runCaptioning as runPipeline, type CaptioningSummary } from '../../core/captioner/pipeline.js';
import type { ManifestAccess } from '../../core/dataset/manifest-access.js';
import type { CaptionKind } from '../../shared/record.js';
import type { RedoMode, RunSettings } from './settings.js';

export interface RunProgress {
  done: number;
  total: number;
  imagesPerSecond: number;
}

export interface CaptionRunOptions {
  folder: string;
  store: ManifestAccess;
  backend: CaptionBackend;
  tasks: CaptionKind[];
  redo: RedoMode;
  batchSize: number;
  signal: AbortSignal;
  onProgress: (p: RunProgress) => void;
  checkpointMs?: number;
}

export type CaptionRunResult = CaptioningSummary;

export interface LoadProgress {
  message: string;
}

export async function loadBackend(settings: RunSettings, modelCacheDir: string, signal: AbortSignal, onProgress: (p: LoadProgress) => void): Promise<CaptionBackend> {
  signal.throwIfAborted();
  const { createLocalBackend, DEVICE_REQUESTS, DTYPE_REQUESTS } = await import('../../core/captioner/local/index.js');
  const device = (DEVICE_REQUESTS as readonly string[]).includes(settings.device) ? (settings.device as DeviceRequest) : 'auto';
  const dtype = (DTYPE_REQUESTS as readonly string[]).includes(settings.dtype) ? (settings.dtype as DtypeRequest) : 'auto';
  return createLocalBackend({
    model: settings.model,
    device,
    dtype,
    maxPixels: settings.maxPixels,
    source: {
      cacheDir: modelCacheDir,
      signal,
      onProgress: (p) =>
        onProgress({ message: `downloading ${settings.model}: file ${p.filesDone + 1}/${p.filesTotal}, ${(p.bytes / 1e6).toFixed(0)}${p.total ? `/${(p.total / 1e6).toFixed(0)}` : ''} MB` }),
    },
  });
}

/** The remote backend: nothing to load, the options (key included) come from settings and SecretStorage. */
export function createRemoteBackend(options: RemoteBackendOptions): CaptionBackend {
  return new RemoteCaptionBackend(options);
}

/** Captions what the store still needs; the pipeline checkpoints the store and stops after the batch in flight. */
export async function runCaptioning(o: CaptionRunOptions): Promise<CaptionRunResult> {
  return runPipeline({
    folder: o.folder,
    store: o.store,
    backend: o.backend,
    tasks: o.tasks,
    redo: o.redo,
    batchSize: o.batchSize,
    signal: o.signal,
    checkpointMs: o.checkpointMs,
    checkpoint: async (store) => {
      if (store.isDirty) await store.save();
    },
    onProgress: (p) => o.onProgress({ done: p.done, total: p.total, imagesPerSecond: p.imagesPerSecond }),
  });
}

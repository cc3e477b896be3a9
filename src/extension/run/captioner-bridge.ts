// The one place the extension opens a captioner: the local model in the engine process (so inference never
// runs on the extension host's thread, which every extension shares), or the remote endpoint. Kept small
// so the captioner's API can move without touching the job manager.
import * as vscode from 'vscode';
import type { CaptionBackend } from '../../core/captioner/backend.js';
import { deviceRequestOf } from '../../core/captioner/local/device-requests.js';
import { DTYPE_REQUESTS } from '../../core/captioner/local/dtype.js';
import { RemoteCaptionBackend, type RemoteBackendOptions } from '../../core/captioner/remote/index.js';
import { EngineCaptionBackend } from '../../core/engine/engine-captioner.js';
import { engineEnvironmentOffThread } from '../../core/engine/engine-environment.js';
import type { RunSettings } from './settings.js';

export interface EngineEvents {
  /** Loading progress (downloads), for the notification. */
  onProgress(message: string): void;
  /** A device change mid-run, for the notification and the log. */
  onNotice(message: string, device: string): void;
  /** The engine's stderr (ONNX Runtime's warnings), for the log. */
  onStderr(line: string): void;
}

export async function openLocalBackend(settings: RunSettings, modelCacheDir: string, signal: AbortSignal, events: EngineEvents): Promise<EngineCaptionBackend> {
  const device = deviceRequestOf(settings.device);
  // The CUDA library search reads folders: not on this thread, which every extension shares.
  const env = await engineEnvironmentOffThread({ cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, device });
  return EngineCaptionBackend.open({
    load: {
      model: settings.model,
      device,
      dtype: DTYPE_REQUESTS.find((d) => d === settings.dtype) ?? 'auto',
      maxPixels: settings.maxPixels,
      batchSize: settings.batchSize,
      cacheDir: modelCacheDir,
    },
    env,
    signal,
    ...events,
  });
}

/** The remote backend: nothing to load, the options (key included) come from settings and SecretStorage. */
export function createRemoteBackend(options: RemoteBackendOptions): CaptionBackend {
  return new RemoteCaptionBackend(options);
}

// `recaption gpu status` and Install GPU Support ask the engine, not their own process, which devices work:
// the engine is where a run would load them, with the CUDA library path a run gets, and a GPU is judged
// by the canary a run would make it pass.
import { EngineProcess } from './engine-process.js';
import { engineEnvironmentOffThread } from './engine-environment.js';
import type { DeviceReport, EngineRequest } from './protocol.js';

export interface DeviceReportOptions {
  /** A model to run the canary with on each GPU (a folder, or a hub id already downloaded). */
  model?: string;
  dtype?: Extract<EngineRequest, { type: 'deviceReport' }>['dtype'];
  cacheDir?: string;
  /** Where a project's virtualenv is looked for (CUDA libraries from pip wheels). */
  cwd?: string;
  onStderr?: (line: string) => void;
}

export async function reportDevices(options: DeviceReportOptions = {}): Promise<DeviceReport[]> {
  // Off the caller's thread: Install GPU Support asks from the extension host.
  const env = await engineEnvironmentOffThread({ cwd: options.cwd });
  const engine = await EngineProcess.start({ env, onStderr: options.onStderr ?? (() => undefined) });
  try {
    return await engine.request({ type: 'deviceReport', model: options.model, dtype: options.dtype ?? 'auto', cacheDir: options.cacheDir });
  } finally {
    await engine.shutdown();
  }
}

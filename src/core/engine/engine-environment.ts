// The environment the engine process starts with: the dynamic loader reads its library path only when a
// process starts, so the folders holding the CUDA libraries (those `recaption gpu install` fetched, a
// CUDA toolkit, the nvidia-* Python wheels a PyTorch install brings) must be in it from the start.
import type { DeviceRequest } from '../captioner/local/device-requests.js';
import { cudaEngineEnv, type CudaSearch } from '../gpu/cuda-libraries.js';
import { startBundledWorker } from '../util/bundled-worker.js';
import { endWorker } from '../util/end-worker.js';
import { firstMessage } from '../util/first-message.js';

/** Where to look (the search's places, all plain data) and for which device. */
export type EngineEnvironmentRequest = CudaSearch & { device?: DeviceRequest };

/** What engine-env-worker.ts answers. */
export interface EngineEnvironmentReply {
  env: Record<string, string>;
}

/**
 * Variables to add for the engine, for the device it is asked for; `cwd` is where a project's own
 * virtualenv (./.venv) is looked for. An engine asked to run on the CPU loads no CUDA library, so none is
 * looked for. The search reads folders synchronously: the extension host runs it off its thread
 * (engineEnvironmentOffThread); the CLI, whose thread is its own, here.
 */
export function engineEnvironment(where: EngineEnvironmentRequest = {}): Record<string, string> {
  if (where.device === 'cpu') return {};
  return cudaEngineEnv(where.env ?? process.env, where);
}

/** engineEnvironment(where), the search run on a worker thread (nothing to search for the CPU: no thread). */
export async function engineEnvironmentOffThread(where: EngineEnvironmentRequest = {}): Promise<Record<string, string>> {
  if (where.device === 'cpu') return {};
  const worker = startBundledWorker(__filename, __dirname, 'engine-env-worker', { workerData: where });
  try {
    return (await firstMessage<EngineEnvironmentReply>(worker, 'the CUDA library search')).env;
  } finally {
    await endWorker(worker, () => undefined);
  }
}

// The environment the engine process starts with: the dynamic loader reads its library path only when a
// process starts, so the folders holding the CUDA libraries (those `recaption gpu install` fetched, a
// CUDA toolkit, the nvidia-* Python wheels a PyTorch install brings) must be in it from the start.
import type { DeviceRequest } from '../captioner/local/device-requests.js';
import { cudaEngineEnv, type CudaSearch } from '../gpu/cuda-libraries.js';

/**
 * Variables to add for the engine, for the device it is asked for; `cwd` is where a project's own
 * virtualenv (./.venv) is looked for. An engine asked to run on the CPU loads no CUDA library, so none is
 * looked for: the search reads folders synchronously, on the extension host's thread when a run starts there.
 */
export function engineEnvironment(where: CudaSearch & { device?: DeviceRequest } = {}): NodeJS.ProcessEnv {
  if (where.device === 'cpu') return {};
  return cudaEngineEnv(where.env ?? process.env, where);
}

// The environment the engine process starts with: the dynamic loader reads its library path only when a
// process starts, so the folders holding the CUDA libraries (those `recaption gpu install` fetched, a
// CUDA toolkit, the nvidia-* Python wheels a PyTorch install brings) must be in it from the start.
import { cudaEngineEnv } from '../gpu/cuda-libraries.js';

/** Variables to add for the engine; `cwd` is where a project's own virtualenv (./.venv) is looked for. */
export function engineEnvironment(options: { cwd?: string; base?: NodeJS.ProcessEnv } = {}): NodeJS.ProcessEnv {
  return cudaEngineEnv(options.base ?? process.env, options.cwd ? { cwd: options.cwd } : {});
}

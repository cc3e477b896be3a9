// Where onnxruntime-node keeps its native binary and whether the CUDA provider libraries are beside it:
// plain file checks, in a module that loads nothing (the CLI and the extension read them at start).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The folder with onnxruntime-node's native binary: where the CUDA provider libraries must be placed. */
export function onnxRuntimeBinaryFolder(): string {
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const platform = process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux';
  return path.join(pkg, 'bin', 'napi-v6', platform, process.arch);
}

/** The CUDA provider libraries onnxruntime-node loads from its binary folder (never from the library path). */
function cudaProviderFiles(platform: NodeJS.Platform): string[] {
  return platform === 'win32'
    ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
    : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
}

/** The CUDA provider libraries missing in `folder`. */
export function missingCudaProviderFiles(folder = onnxRuntimeBinaryFolder(), platform: NodeJS.Platform = process.platform): string[] {
  return cudaProviderFiles(platform).filter((name) => !existsSync(path.join(folder, name)));
}

/** Null when the CUDA provider libraries are beside the runtime; else which are missing and where. */
export function missingCudaLibraries(folder = onnxRuntimeBinaryFolder()): string | null {
  if (process.platform !== 'linux' && process.platform !== 'win32') return `CUDA is not supported by onnxruntime-node on ${process.platform}`;
  const missing = missingCudaProviderFiles(folder);
  return missing.length ? `the CUDA provider libraries are not installed (${missing.join(', ')} missing in ${folder})` : null;
}

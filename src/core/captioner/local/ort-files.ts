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

function cudaLibraryNames(): string[] {
  return process.platform === 'win32'
    ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
    : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
}

/** Null when the CUDA provider libraries are beside the runtime; else which are missing and where. */
export function missingCudaLibraries(folder = onnxRuntimeBinaryFolder()): string | null {
  if (process.platform !== 'linux' && process.platform !== 'win32') return `CUDA is not supported by onnxruntime-node on ${process.platform}`;
  const missing = cudaLibraryNames().filter((name) => !existsSync(path.join(folder, name)));
  return missing.length ? `the CUDA provider libraries are not installed (${missing.join(', ')} missing in ${folder})` : null;
}


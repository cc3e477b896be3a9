// Which CUDA libraries the installed onnxruntime-node's CUDA provider needs, and the pip wheels that carry
// them. The CUDA line comes from onnxruntime-node's install metadata (the manifest "cuda12"); once the
// provider library is installed, the exact list is its own DT_NEEDED entries. Before that, the list is
// ONNX Runtime's own preload list for the line (onnxruntime/__init__.py, _get_nvidia_dll_paths), kept in
// CUDA_LINE_DEFAULTS below.
import * as path from 'node:path';
import { readElfDependencies } from './elf-dependencies.js';
import { cudaManifestName, noCudaDownload, readOrtMetadata } from './ort-install-metadata.js';

export type CudaGroup = 'cudart' | 'cuBLAS' | 'cuFFT' | 'cuRAND' | 'NVRTC' | 'cuDNN' | 'nvJitLink';
export type CudaPlatform = 'linux' | 'win32';

export interface CudaLibrary {
  group: CudaGroup;
  /** The name the loader asks for: libcudnn.so.9, cudnn64_9.dll. */
  file: string;
  /** The library's own major version (cuFFT is 11 on the CUDA 12 line). */
  major: number;
  /** False: put on the library path when found, never reported missing (cuFFT's helper nvJitLink). */
  required: boolean;
}

export interface CudaRequirements {
  platform: CudaPlatform;
  /** The CUDA major version the provider is built for. */
  line: number;
  cudnnMajor: number;
  libraries: CudaLibrary[];
  /** Where the list came from, for `gpu status`. */
  source: string;
}

/**
 * What a CUDA line's provider links against beyond the line's own major: ONNX Runtime's preload list
 * (_get_nvidia_dll_paths: cuFFT 11 on CUDA 12, 12 on CUDA 13; cuRAND 10; cuDNN 9) and the CUDA execution
 * provider's requirements page (CUDA 12.x with cuDNN 9.x since ORT 1.18.1). The only table of its kind.
 */
const CUDA_LINE_DEFAULTS = {
  cudnnMajor: 9,
  curandMajor: 10,
  cufftMajor: (line: number) => line - 1,
};

/** The libraries of a CUDA line on a platform, as ONNX Runtime's CUDA provider loads them. */
export function cudaLibrariesFor(platform: CudaPlatform, line: number, cudnnMajor = CUDA_LINE_DEFAULTS.cudnnMajor): CudaLibrary[] {
  const cufft = CUDA_LINE_DEFAULTS.cufftMajor(line);
  const curand = CUDA_LINE_DEFAULTS.curandMajor;
  const lib = (group: CudaGroup, file: string, major: number, required = true): CudaLibrary => ({ group, file, major, required });
  if (platform === 'win32') {
    return [
      lib('cudart', `cudart64_${line}.dll`, line),
      lib('cuBLAS', `cublasLt64_${line}.dll`, line),
      lib('cuBLAS', `cublas64_${line}.dll`, line),
      lib('cuFFT', `cufft64_${cufft}.dll`, cufft),
      lib('cuRAND', `curand64_${curand}.dll`, curand),
      lib('NVRTC', `nvrtc64_${line}0_0.dll`, line),
      lib('cuDNN', `cudnn64_${cudnnMajor}.dll`, cudnnMajor),
      lib('nvJitLink', `nvJitLink_${line}0_0.dll`, line, false),
    ];
  }
  return [
    lib('cudart', `libcudart.so.${line}`, line),
    lib('cuBLAS', `libcublasLt.so.${line}`, line),
    lib('cuBLAS', `libcublas.so.${line}`, line),
    lib('cuFFT', `libcufft.so.${cufft}`, cufft),
    lib('cuRAND', `libcurand.so.${curand}`, curand),
    lib('NVRTC', `libnvrtc.so.${line}`, line),
    lib('cuDNN', `libcudnn.so.${cudnnMajor}`, cudnnMajor),
    lib('nvJitLink', `libnvJitLink.so.${line}`, line, false),
  ];
}

/** The CUDA group of a Linux soname the provider needs, or null for the C runtime and the like. */
function groupOf(soname: string): CudaGroup | null {
  const groups: [RegExp, CudaGroup][] = [
    [/^libcudart\.so/, 'cudart'],
    [/^libcublas(Lt)?\.so/, 'cuBLAS'],
    [/^libcufft\.so/, 'cuFFT'],
    [/^libcurand\.so/, 'cuRAND'],
    [/^libnvrtc\.so/, 'NVRTC'],
    [/^libcudnn(_\w+)?\.so/, 'cuDNN'],
    [/^libnvJitLink\.so/, 'nvJitLink'],
  ];
  return groups.find(([re]) => re.test(soname))?.[1] ?? null;
}

const sonameMajor = (soname: string): number => Number(/\.so\.(\d+)/.exec(soname)?.[1] ?? NaN);

/** The CUDA libraries in a provider library's DT_NEEDED list, or null when it has none (not a CUDA provider). */
export function cudaLibrariesFromNeeded(needed: readonly string[]): CudaLibrary[] | null {
  const libraries = needed.flatMap((file): CudaLibrary[] => {
    const group = groupOf(file);
    return group ? [{ group, file, major: sonameMajor(file), required: true }] : [];
  });
  return libraries.some((l) => l.group === 'cudart') ? libraries : null;
}

export const CUDA_PROVIDER_LIBRARY = { linux: 'libonnxruntime_providers_cuda.so', win32: 'onnxruntime_providers_cuda.dll' } as const;

/**
 * What the installed onnxruntime-node's CUDA provider needs here, or why there is no CUDA here.
 * `providerFolder`: where the provider library is (onnxruntime-node's binary folder), read when present.
 */
export function installedCudaRequirements(options: { platform?: string; providerFolder?: string } = {}): CudaRequirements | { unsupported: string } {
  const platformKey = options.platform ?? `${process.platform}/${process.arch}`;
  const os = platformKey.split('/')[0];
  const manifest = cudaManifestName(readOrtMetadata(), platformKey);
  if (!manifest || (os !== 'linux' && os !== 'win32')) return { unsupported: noCudaDownload(platformKey) };
  const line = Number(manifest.slice('cuda'.length));
  const fromTable: CudaRequirements = {
    platform: os,
    line,
    cudnnMajor: CUDA_LINE_DEFAULTS.cudnnMajor,
    libraries: cudaLibrariesFor(os, line),
    source: `onnxruntime-node's install metadata (${manifest}) and ONNX Runtime's list for the CUDA ${line} line`,
  };
  if (os !== 'linux' || !options.providerFolder) return fromTable;
  const provider = path.join(options.providerFolder, CUDA_PROVIDER_LIBRARY.linux);
  const needed = readElfDependencies(provider)?.needed;
  const libraries = needed && cudaLibrariesFromNeeded(needed);
  if (!libraries) return fromTable;
  const cudart = libraries.find((l) => l.group === 'cudart')!;
  const cudnn = libraries.find((l) => l.group === 'cuDNN' && l.file.startsWith('libcudnn.so'));
  // The provider does not name nvJitLink itself (cuFFT does): still put it on the path when found.
  const helpers = fromTable.libraries.filter((l) => !l.required && !libraries.some((n) => n.group === l.group));
  return {
    platform: 'linux',
    line: cudart.major,
    cudnnMajor: cudnn?.major ?? CUDA_LINE_DEFAULTS.cudnnMajor,
    libraries: [...libraries, ...helpers],
    source: `${CUDA_PROVIDER_LIBRARY.linux}'s DT_NEEDED`,
  };
}

/** The pip wheel that carries a group's libraries, and its folders under site-packages. */
export function cudaWheel(group: CudaGroup, line: number, major: number, platform: CudaPlatform): { requirement: string; folders: string[] } {
  const names: Record<CudaGroup, [pip: string, folder: string]> = {
    cudart: ['nvidia-cuda-runtime', 'cuda_runtime'],
    cuBLAS: ['nvidia-cublas', 'cublas'],
    cuFFT: ['nvidia-cufft', 'cufft'],
    cuRAND: ['nvidia-curand', 'curand'],
    NVRTC: ['nvidia-cuda-nvrtc', 'cuda_nvrtc'],
    cuDNN: ['nvidia-cudnn', 'cudnn'],
    nvJitLink: ['nvidia-nvjitlink', 'nvjitlink'],
  };
  const [pip, folder] = names[group];
  const bin = platform === 'win32' ? 'bin' : 'lib';
  // CUDA 12 wheels carry the line in the name (nvidia-cublas-cu12), one folder each; from CUDA 13 on, the
  // toolkit wheels drop the suffix and share nvidia/cu13, while cuDNN keeps both.
  const suffixed = line <= 12 || group === 'cuDNN';
  const name = suffixed ? `${pip}-cu${line}` : pip;
  const pinned = group === 'cuDNN' || !suffixed;
  return {
    requirement: pinned ? `"${name}~=${major}.0"` : name,
    folders: [path.join('nvidia', folder, bin), ...(line >= 13 ? [path.join('nvidia', `cu${line}`, bin)] : [])],
  };
}

/** For help texts: what the system needs beyond what `recaption gpu install` downloads. */
export function cudaSystemNeeds(requirements: Pick<CudaRequirements, 'line' | 'cudnnMajor'>): string {
  return `the NVIDIA driver, the CUDA ${requirements.line} libraries and cuDNN ${requirements.cudnnMajor}`;
}

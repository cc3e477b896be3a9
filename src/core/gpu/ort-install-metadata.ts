// onnxruntime-node's own install metadata (script/install-metadata.js): which CUDA download each platform
// gets ("cuda12" on linux/x64 for 1.30.0), from which NuGet package. Read here once for both the installer
// (what to download) and the library check (which CUDA line the provider is built for).
import { createRequire } from 'node:module';
import * as path from 'node:path';

export class OrtMetadataError extends Error {
  override name = 'OrtMetadataError';
}

export interface OrtMetadata {
  requirements: Record<string, string[]>;
  manifests: Record<string, Record<string, { package: string; path: string }>>;
  packages: Record<string, { name: string; versions: { feed: string; version: string }[] }>;
  feeds: Record<string, { type: string; index: string }>;
}

export function readOrtMetadata(): OrtMetadata {
  const file = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install-metadata.js');
  let value: unknown;
  try {
    value = createRequire(file)(file);
  } catch (err) {
    throw new OrtMetadataError(`cannot read onnxruntime-node's install metadata (${file}): ${(err as Error).message}; reinstall the extension`);
  }
  const m = value as Partial<OrtMetadata>;
  if (typeof m !== 'object' || !m || typeof m.requirements !== 'object' || typeof m.manifests !== 'object' || typeof m.packages !== 'object' || typeof m.feeds !== 'object') {
    throw new OrtMetadataError(`onnxruntime-node's install metadata (${file}) is not in the layout this release knows`);
  }
  return m as OrtMetadata;
}

/** The CUDA manifest onnxruntime-node installs on `platform` ("linux/x64" → "cuda12"), or null. */
export function cudaManifestName(metadata: OrtMetadata, platform: string): string | null {
  return (metadata.requirements[platform] ?? []).find((name) => /^cuda\d+$/.test(name)) ?? null;
}

/** Why there is no CUDA download here, for the platforms onnxruntime-node has none for. */
export function noCudaDownload(platform: string): string {
  if (platform.startsWith('win32/')) return 'on Windows, onnxruntime-node has no CUDA download; Recaption uses the GPU through WebGPU (Direct3D 12), which needs no install (device auto or webgpu)';
  if (platform.startsWith('darwin/')) return 'on macOS there is no CUDA; Recaption uses the GPU through WebGPU (Metal), which needs no install (device auto or webgpu)';
  return `onnxruntime-node has no CUDA build for ${platform}`;
}

// Install GPU Support: the CUDA provider libraries onnxruntime-node's own installer would fetch at npm
// install (which a VSIX user never runs), for the installed onnxruntime-node and this platform, from the
// same NuGet package, read from the same metadata (onnxruntime-node/script/install-metadata.js). The
// .nupkg is downloaded resumably and checked against the feed's SHA-512; the libraries are extracted beside
// a temporary name and renamed into onnxruntime-node's binary folder only when all of them are out, so an
// interrupted install leaves the runtime as it was: working on the CPU.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { onnxRuntimeBinaryFolder } from './ort-files.js';
import { resolveNugetPackage, type NugetPackage } from './nuget-client.js';
import { cudaSystemNeeds, installedCudaRequirements } from './cuda-requirements.js';
import { cudaManifestName, noCudaDownload, readOrtMetadata } from './ort-install-metadata.js';
import { downloadResumable, type DownloadProgress } from './resumable-download.js';

export class GpuInstallError extends Error {
  override name = 'GpuInstallError';
}

/** What needs installing on this platform, from onnxruntime-node's metadata. */
export interface CudaInstallPlan {
  platform: string;
  packageId: string;
  version: string;
  feedIndex: string;
  /** File name in the binary folder, and its path inside the .nupkg. */
  files: { name: string; pathInPackage: string }[];
  /** onnxruntime-node's binary folder, where it loads provider libraries from. */
  target: string;
}

/**
 * What the system must have that no installer here provides (for help texts; never throws). A function,
 * read when asked: activating the extension must not read onnxruntime-node's files.
 */
export function cudaSystemRequirements(): string {
  try {
    const requirements = installedCudaRequirements({ platform: 'linux/x64' });
    if (!('unsupported' in requirements)) return cudaSystemNeeds(requirements);
  } catch {
    // unreadable metadata: the installer says so when it runs
  }
  return cudaSystemNeeds({ line: 12, cudnnMajor: 9 });
}

/** The plan for this machine, or why there is none. `feedIndex` replaces the metadata's NuGet feed (a mirror). */
export function cudaInstallPlan(options: { platform?: string; feedIndex?: string; target?: string } = {}): CudaInstallPlan | { unsupported: string } {
  const platform = options.platform ?? `${process.platform}/${process.arch}`;
  const metadata = readOrtMetadata();
  const manifestName = cudaManifestName(metadata, platform);
  const manifest = manifestName ? metadata.manifests[`${platform}:${manifestName}`] : undefined;
  if (!manifest) return { unsupported: noCudaDownload(platform) };
  const entries = Object.entries(manifest);
  const packageKey = entries[0]![1].package;
  const pkg = metadata.packages[packageKey];
  const candidate = pkg?.versions[0];
  const feed = candidate ? metadata.feeds[candidate.feed] : undefined;
  if (!pkg || !candidate || !feed || feed.type !== 'nuget') throw new GpuInstallError(`onnxruntime-node's install metadata names no NuGet package for ${platform}`);
  return {
    platform,
    packageId: pkg.name,
    version: candidate.version,
    feedIndex: options.feedIndex ?? feed.index,
    files: entries.map(([name, entry]) => ({ name: path.basename(name), pathInPackage: entry.path })),
    target: options.target ?? onnxRuntimeBinaryFolder(),
  };
}

export type GpuInstallProgress = { phase: 'resolving' } | ({ phase: 'downloading' } & DownloadProgress) | { phase: 'extracting'; file: string } | { phase: 'done' };

export interface GpuInstallOptions {
  plan: CudaInstallPlan;
  /** Where the .nupkg is downloaded (kept there while incomplete, so a later run resumes). */
  cacheFolder: string;
  onProgress?: (progress: GpuInstallProgress) => void;
  signal?: AbortSignal;
}

export interface GpuInstallResult {
  package: NugetPackage;
  installed: string[];
  /** Bytes an earlier, interrupted run had already downloaded. */
  resumedFrom: number;
}

/** Largest library accepted from the package (the CUDA provider is about 600 MB unpacked). */
const MAX_LIBRARY_BYTES = 4 * 1024 ** 3;

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

/** Streams the wanted entries of the .nupkg to `<target>/<name>.recaption-partial`; returns those paths. */
async function extract(nupkg: string, plan: CudaInstallPlan, onProgress: GpuInstallOptions['onProgress'], signal: AbortSignal | undefined): Promise<Map<string, string>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(nupkg);
  } catch (err) {
    throw new GpuInstallError(`${path.basename(nupkg)} is not a readable NuGet package: ${(err as Error).message}`);
  }
  const wanted = new Map(plan.files.map((f) => [f.pathInPackage, f.name]));
  const written = new Map<string, string>();
  let current: string | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = wanted.get(entry.fileName);
        if (!name) return zip.readEntry();
        if (entry.uncompressedSize > MAX_LIBRARY_BYTES) return reject(new GpuInstallError(`${entry.fileName} in the package is larger than any provider library`));
        onProgress?.({ phase: 'extracting', file: name });
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const temp = path.join(plan.target, `${name}.recaption-partial`);
          current = temp;
          pipeline(stream, createWriteStream(temp, { mode: 0o755 }), { signal }).then(
            () => {
              written.set(name, temp);
              zip.readEntry();
            },
            reject,
          );
        });
      });
      zip.readEntry();
    });
  } catch (err) {
    for (const temp of [...written.values(), ...(current ? [current] : [])]) await fs.rm(temp, { force: true });
    throw err;
  } finally {
    zip.close();
  }
  const missing = plan.files.filter((f) => !written.has(f.name));
  if (missing.length) {
    for (const temp of written.values()) await fs.rm(temp, { force: true });
    throw new GpuInstallError(`the package has no ${missing.map((f) => f.pathInPackage).join(', ')}`);
  }
  return written;
}

/** Runs the plan: resolve, download (resuming), check, extract, then put the libraries in place. */
export async function installCudaSupport(options: GpuInstallOptions): Promise<GpuInstallResult> {
  const { plan, signal } = options;
  options.onProgress?.({ phase: 'resolving' });
  const pkg = await resolveNugetPackage(plan.feedIndex, plan.packageId, plan.version, signal);
  await fs.mkdir(options.cacheFolder, { recursive: true });
  const nupkg = path.join(options.cacheFolder, `${pkg.id.toLowerCase()}.${pkg.version.toLowerCase()}.nupkg`);
  const { resumedFrom } = await downloadResumable(pkg.url, nupkg, { size: pkg.size, sha512: pkg.sha512, signal, onProgress: (p) => options.onProgress?.({ phase: 'downloading', ...p }) });
  let temps: Map<string, string>;
  try {
    temps = await extract(nupkg, plan, options.onProgress, signal);
  } catch (err) {
    // A package refused (unreadable, a library missing or too large, an entry that does not inflate) is not
    // kept: the next try downloads it again instead of refusing the same file forever. A cancelled
    // extraction keeps it for the next run.
    if (signal?.aborted) throw err;
    await fs.rm(nupkg, { force: true });
    const why = err instanceof GpuInstallError ? err.message : `${path.basename(nupkg)} could not be extracted: ${(err as Error).message}`;
    throw new GpuInstallError(`${why}; the download was removed, so the next try downloads it again`);
  }
  // The CUDA provider last: until it is in place, the runtime sees no CUDA and runs on the CPU as before.
  const order = [...plan.files].sort((a, b) => Number(/cuda/.test(a.name)) - Number(/cuda/.test(b.name)));
  const installed: string[] = [];
  for (const file of order) {
    const final = path.join(plan.target, file.name);
    await fs.rename(temps.get(file.name)!, final);
    installed.push(final);
  }
  await fs.rm(nupkg, { force: true });
  options.onProgress?.({ phase: 'done' });
  return { package: pkg, installed, resumedFrom };
}

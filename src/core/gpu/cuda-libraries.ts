// Where each CUDA library the provider needs is on this machine, and the library path that lets the engine
// process load them. The dynamic loader reads LD_LIBRARY_PATH (PATH on Windows) once, at process start, so
// the calling process finds the libraries (file checks only, nothing loaded) and starts the engine with
// their folders on that variable. Libraries the loader already finds (its cache, its default folders, the
// variable as it is) need nothing; those found only in a CUDA toolkit, a pip wheel or onnxruntime-node's
// folder are added.
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingCudaProviderFiles, onnxRuntimeBinaryFolder } from './ort-files.js';
import { cudaWheel, installedCudaRequirements, type CudaGroup, type CudaLibrary, type CudaPlatform, type CudaRequirements } from './cuda-requirements.js';
import { libraryPathFolders, libraryPathVariable, loaderFolders, sitePackagesFolders, toolkitFolders, type SearchPlaces } from './library-search-folders.js';

/** Where a library was found: already visible to the loader, or in a folder that must be added. */
export type CudaLibrarySource = 'library path' | 'loader cache' | 'system folder' | 'onnxruntime-node' | 'CUDA toolkit' | 'pip wheel';

export interface FoundCudaLibrary extends CudaLibrary {
  /** The folder it is in, or null when it is nowhere. */
  folder: string | null;
  source: CudaLibrarySource | null;
  /** True when the loader finds it without help (nothing to add to the library path). */
  visible: boolean;
}

/** Where to look; every field defaults to this machine, and tests point them at fake folders. */
export interface CudaSearch extends Partial<SearchPlaces> {
  /** The dynamic loader's cache (Linux); null for none. */
  cacheFile?: string | null;
  /** onnxruntime-node's binary folder and any other folder with provider libraries. */
  ortFolders?: readonly string[];
}

/** Largest loader cache read (real ones are some tens of KB). */
const MAX_CACHE_BYTES = 8 * 1024 * 1024;

const hostPlatform = (): CudaPlatform => (process.platform === 'win32' ? 'win32' : 'linux');

function places(where: CudaSearch): SearchPlaces {
  return { platform: where.platform ?? hostPlatform(), env: where.env ?? process.env, home: where.home ?? os.homedir(), cwd: where.cwd ?? process.cwd(), systemRoot: where.systemRoot ?? path.parse(process.cwd()).root };
}

/** The path of each wanted file in the loader's cache: its string table holds each library's full path. */
function cachedPaths(cacheFile: string | null, files: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (!cacheFile) return found;
  let cache: Buffer;
  try {
    if (statSync(cacheFile).size > MAX_CACHE_BYTES) return found;
    cache = readFileSync(cacheFile);
  } catch {
    return found;
  }
  for (const file of files) {
    const end = cache.indexOf(`/${file}\0`);
    if (end < 0) continue;
    const start = cache.lastIndexOf(0, end) + 1;
    found.set(file, cache.subarray(start, end + file.length + 1).toString('utf8'));
  }
  return found;
}

const isDir = (dir: string): boolean => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/**
 * For each library, the first folder it is in: the library path variable, the loader's cache and default
 * folders (all visible as they are), then onnxruntime-node's folder, CUDA toolkits, pip wheels.
 */
export function findCudaLibraries(requirements: Pick<CudaRequirements, 'line' | 'cudnnMajor' | 'libraries'>, where: CudaSearch = {}): FoundCudaLibrary[] {
  const p = places(where);
  const existing = (dirs: readonly string[]) => [...new Set(dirs)].filter(isDir);
  const onPath = existing(libraryPathFolders(p));
  const system = existing(loaderFolders(p));
  const cache = p.platform === 'linux' ? cachedPaths(where.cacheFile === undefined ? path.join(p.systemRoot, 'etc/ld.so.cache') : where.cacheFile, requirements.libraries.map((l) => l.file)) : new Map<string, string>();
  const ort = existing(where.ortFolders ?? [onnxRuntimeBinaryFolder()]);
  const toolkits = existing(toolkitFolders(p, requirements.line, requirements.cudnnMajor));
  const sites = existing(sitePackagesFolders(p));
  const wheelFolders = new Map<CudaGroup, string[]>();
  const wheelsOf = (lib: CudaLibrary): string[] => {
    if (!wheelFolders.has(lib.group)) {
      const { folders } = cudaWheel(lib.group, requirements.line, lib.major, p.platform);
      // On Windows a CUDA PyTorch carries the DLLs in torch\lib.
      const extra = p.platform === 'win32' ? [path.join('torch', 'lib')] : [];
      wheelFolders.set(lib.group, existing(sites.flatMap((site) => [...folders, ...extra].map((f) => path.join(site, f)))));
    }
    return wheelFolders.get(lib.group)!;
  };
  return requirements.libraries.map((lib): FoundCudaLibrary => {
    const inFolders = (source: CudaLibrarySource, dirs: readonly string[], visible: boolean): FoundCudaLibrary | null => {
      const folder = dirs.find((dir) => existsSync(path.join(dir, lib.file)));
      return folder ? { ...lib, folder, source, visible } : null;
    };
    const cached = cache.get(lib.file);
    return (
      inFolders('library path', onPath, true) ??
      (cached ? { ...lib, folder: path.dirname(cached), source: 'loader cache' as const, visible: true } : null) ??
      inFolders('system folder', system, true) ??
      inFolders('onnxruntime-node', ort, false) ??
      inFolders('CUDA toolkit', toolkits, false) ??
      inFolders('pip wheel', wheelsOf(lib), false) ?? { ...lib, folder: null, source: null, visible: false }
    );
  });
}

/**
 * The environment variables to start the engine process with: the folders of the libraries the loader
 * would not find by itself, each once, before the variable's existing value (kept as it is). Empty when
 * nothing needs adding. `platform`: LD_LIBRARY_PATH with ":" on Linux, PATH with ";" on Windows.
 */
export function cudaLibraryEnv(found: readonly FoundCudaLibrary[], baseEnv: NodeJS.ProcessEnv = process.env, platform: CudaPlatform = hostPlatform()): Record<string, string> {
  const key = libraryPathVariable(platform, baseEnv);
  const current = baseEnv[key] ?? '';
  const normal = (dir: string) => {
    const trimmed = dir.replace(/[\\/]+$/, '') || dir;
    return platform === 'win32' ? trimmed.replace(/\//g, '\\').toLowerCase() : trimmed;
  };
  const have = new Set(libraryPathFolders({ platform, env: baseEnv }).map(normal));
  const add: string[] = [];
  for (const lib of found) {
    if (!lib.folder || lib.visible || have.has(normal(lib.folder))) continue;
    have.add(normal(lib.folder));
    add.push(lib.folder);
  }
  if (!add.length) return {};
  return { [key]: [...add, ...(current ? [current] : [])].join(platform === 'win32' ? ';' : ':') };
}

/** The required libraries that are nowhere, grouped: [["cuDNN 9", ["libcudnn.so.9"]], …]. */
function missingGroups(found: readonly FoundCudaLibrary[]): Map<string, FoundCudaLibrary[]> {
  const groups = new Map<string, FoundCudaLibrary[]>();
  for (const lib of found) {
    if (!lib.required || lib.folder) continue;
    const name = `${lib.group} ${lib.major}`;
    groups.set(name, [...(groups.get(name) ?? []), lib]);
  }
  return groups;
}

/**
 * The one command that installs what is missing: `recaption gpu install` for the provider libraries, and
 * the pip wheels (PyTorch's own CUDA wheels) for the system libraries; null when nothing is missing.
 */
export function cudaFixCommand(found: readonly FoundCudaLibrary[], requirements: Pick<CudaRequirements, 'line' | 'platform'>, providersMissing = false): string | null {
  const wheels = [...missingGroups(found).values()].map(([lib]) => cudaWheel(lib!.group, requirements.line, lib!.major, requirements.platform).requirement);
  const steps = [...(providersMissing ? ['recaption gpu install'] : []), ...(wheels.length ? [`pip install ${[...new Set(wheels)].join(' ')}`] : [])];
  return steps.length ? steps.join(' && ') : null;
}

/** One sentence naming each missing library with the version needed and the command that fixes it; null when none is missing. */
export function describeMissingCuda(found: readonly FoundCudaLibrary[], requirements: Pick<CudaRequirements, 'line' | 'cudnnMajor' | 'platform'>): string | null {
  const groups = missingGroups(found);
  if (!groups.size) return null;
  const names = [...groups].map(([name, libs]) => `${name} (${libs.map((l) => l.file).join(', ')})`);
  return `onnxruntime-node's CUDA provider is built for CUDA ${requirements.line} with cuDNN ${requirements.cudnnMajor}, and this machine lacks ${names.join(', ')}; install them with: ${cudaFixCommand(found, requirements)}`;
}

/** Everything `gpu status` says about CUDA's libraries. */
export interface CudaLibraryReport {
  requirements: CudaRequirements;
  providerFolder: string;
  /** Provider libraries not in onnxruntime-node's folder (`recaption gpu install` puts them there). */
  providersMissing: string[];
  libraries: FoundCudaLibrary[];
  /** What the engine process is started with. */
  env: Record<string, string>;
  /** The command that installs everything missing, or null. */
  fix: string | null;
}

export function cudaLibraryReport(where: CudaSearch & { providerFolder?: string } = {}): CudaLibraryReport | { unsupported: string } {
  const providerFolder = where.providerFolder ?? onnxRuntimeBinaryFolder();
  const platformKey = where.platform ? `${where.platform}/${process.arch}` : undefined;
  const requirements = installedCudaRequirements({ platform: platformKey, providerFolder });
  if ('unsupported' in requirements) return requirements;
  const libraries = findCudaLibraries(requirements, { ortFolders: [providerFolder], ...where });
  const providersMissing = missingCudaProviderFiles(providerFolder, requirements.platform);
  return {
    requirements,
    providerFolder,
    providersMissing,
    libraries,
    env: cudaLibraryEnv(libraries, where.env ?? process.env, requirements.platform),
    fix: cudaFixCommand(libraries, requirements, providersMissing.length > 0),
  };
}

/**
 * The variables to start the engine process with, over `baseEnv`: LD_LIBRARY_PATH (PATH on Windows) with
 * the CUDA library folders the loader would not find by itself, before its existing value. Empty where
 * there is no CUDA or nothing to add.
 */
export function cudaEngineEnv(baseEnv: NodeJS.ProcessEnv = process.env, where: CudaSearch = {}): Record<string, string> {
  try {
    const report = cudaLibraryReport({ ...where, env: baseEnv });
    return 'unsupported' in report ? {} : report.env;
  } catch {
    return {}; // unreadable onnxruntime-node metadata: CUDA will fail on its own and say why
  }
}

/**
 * Null when every library the CUDA provider needs can be loaded by this process; else which are missing
 * (with the command that installs them) or found only where this process was not started to look.
 */
export function missingCudaSystemLibraries(where: CudaSearch = {}): string | null {
  let report: CudaLibraryReport | { unsupported: string };
  try {
    report = cudaLibraryReport(where);
  } catch {
    return null; // let ONNX Runtime try and say why
  }
  if ('unsupported' in report) return null;
  const missing = describeMissingCuda(report.libraries, report.requirements);
  if (missing) return missing;
  const [key, value] = Object.entries(report.env)[0] ?? [];
  if (!key) return null;
  const elsewhere = report.libraries.filter((l) => l.folder && !l.visible).map((l) => l.file);
  return `${elsewhere.join(', ')} ${elsewhere.length > 1 ? 'are' : 'is'} not on this process's library path (Recaption's engine process is started with it); start with ${key}=${value}`;
}

// Where CUDA libraries can be on a machine, as folder lists: the dynamic loader's own folders, CUDA toolkit
// installs, and Python site-packages (where PyTorch's nvidia-* wheels put them). Found by listing a few
// known parents, never by walking a tree, so a call costs some dozen directory reads.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { CudaPlatform } from './cuda-requirements.js';

export interface SearchPlaces {
  platform: CudaPlatform;
  env: NodeJS.ProcessEnv;
  home: string;
  cwd: string;
  /** Prefix of the fixed system paths (/usr/local/cuda, /usr/lib/python3): "/" except in tests. */
  systemRoot: string;
}

/** Most entries of one folder looked at (a conda envs/ folder, pyenv versions/). */
const MAX_ENTRIES = 64;

/** Sub-folders of `dir` whose names match, newest version first ("python3.12" before "python3.9"). */
function matching(dir: string, name: RegExp): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && name.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
    .slice(0, MAX_ENTRIES)
    .map((e) => path.join(dir, e));
}

/** `base` joined with each segment; a RegExp segment stands for the matching sub-folders. */
function expand(base: string, ...segments: (string | RegExp)[]): string[] {
  let dirs = [base];
  for (const segment of segments) dirs = dirs.flatMap((dir) => (typeof segment === 'string' ? [path.join(dir, segment)] : matching(dir, segment)));
  return dirs;
}

const split = (value: string | undefined, platform: CudaPlatform): string[] => (value ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);

/** The variable the loader searches for libraries: LD_LIBRARY_PATH, or PATH on Windows (any case there). */
export function libraryPathVariable(platform: CudaPlatform, env: NodeJS.ProcessEnv): string {
  if (platform !== 'win32') return 'LD_LIBRARY_PATH';
  return Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
}

export function libraryPathFolders(places: Pick<SearchPlaces, 'platform' | 'env'>): string[] {
  return split(places.env[libraryPathVariable(places.platform, places.env)], places.platform);
}

/** Folders the loader searches without being told: its default folders (Linux), System32 (Windows). */
export function loaderFolders(places: SearchPlaces): string[] {
  if (places.platform === 'win32') return [path.join(places.env.SystemRoot ?? places.env.SYSTEMROOT ?? 'C:\\Windows', 'System32')];
  const dirs = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'lib64', 'usr/lib64', 'lib', 'usr/lib', 'usr/local/lib', 'usr/lib/wsl/lib'];
  return dirs.map((d) => path.join(places.systemRoot, d));
}

/** CUDA toolkit library folders for a line: CUDA_PATH and the like, then the usual install places. */
export function toolkitFolders(places: SearchPlaces, line: number, cudnnMajor: number): string[] {
  const { env, platform } = places;
  const named = Object.keys(env)
    .filter((k) => /^(CUDA_PATH(_V\d+_\d+)?|CUDA_HOME|CUDA_ROOT|CUDNN_PATH|CUDNN_HOME)$/i.test(k))
    .map((k) => env[k]!)
    .filter(Boolean);
  if (platform === 'win32') {
    const programFiles = env.ProgramFiles ?? env.PROGRAMFILES ?? 'C:\\Program Files';
    return [
      ...named.flatMap((root) => [path.join(root, 'bin'), path.join(root, 'bin', 'x64')]),
      ...expand(programFiles, 'NVIDIA GPU Computing Toolkit', 'CUDA', new RegExp(`^v${line}\\.`), 'bin'),
      // cuDNN's Windows installer: NVIDIA\CUDNN\v9.x\bin\12.x
      ...expand(programFiles, 'NVIDIA', 'CUDNN', new RegExp(`^v${cudnnMajor}\\.`), 'bin', new RegExp(`^${line}\\.`)),
    ];
  }
  const roots = [...named, path.join(places.systemRoot, 'usr/local/cuda'), ...matching(path.join(places.systemRoot, 'usr/local'), new RegExp(`^cuda-${line}(\\.|$)`)), path.join(places.systemRoot, 'opt/cuda')];
  return roots.flatMap((root) => ['lib64', 'lib', 'targets/x86_64-linux/lib', 'targets/sbsa-linux/lib'].map((sub) => path.join(root, sub)));
}

/** Python installs and environments whose site-packages may hold nvidia-* wheels. */
function pythonPrefixes(places: SearchPlaces): string[] {
  const { env, home, cwd, systemRoot } = places;
  const condaBases = [...['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge', '.conda'].map((d) => path.join(home, d)), path.join(systemRoot, 'opt/conda')];
  return [
    ...[env.VIRTUAL_ENV, env.CONDA_PREFIX].filter((p): p is string => !!p),
    path.join(cwd, '.venv'),
    path.join(cwd, 'venv'),
    ...condaBases,
    ...condaBases.flatMap((base) => matching(path.join(base, 'envs'), /./)),
    ...matching(path.join(env.PYENV_ROOT ?? path.join(home, '.pyenv'), 'versions'), /./),
    ...matching(path.join(home, '.local/share/uv/python'), /./),
  ];
}

/** site-packages folders, most specific first: the active environment, the user's, the system's. */
export function sitePackagesFolders(places: SearchPlaces): string[] {
  const { env, home, systemRoot } = places;
  const fromPath = split(env.PYTHONPATH, places.platform);
  const prefixes = pythonPrefixes(places);
  if (places.platform === 'win32') {
    const appData = env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
    const localAppData = env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local');
    return [
      ...fromPath,
      ...prefixes.map((p) => path.join(p, 'Lib', 'site-packages')),
      ...expand(appData, 'Python', /^Python3/, 'site-packages'),
      ...expand(localAppData, 'Programs', 'Python', /^Python3/, 'Lib', 'site-packages'),
    ];
  }
  const python = /^python3(\.\d+)?t?$/;
  return [
    ...fromPath,
    ...prefixes.flatMap((p) => expand(p, 'lib', python, 'site-packages')),
    ...expand(home, '.local', 'lib', python, 'site-packages'),
    ...['usr/local/lib', 'usr/lib', 'usr/lib64'].flatMap((d) => [...expand(path.join(systemRoot, d), python, 'site-packages'), ...expand(path.join(systemRoot, d), python, 'dist-packages')]),
    path.join(systemRoot, 'usr/lib/python3/dist-packages'),
  ];
}

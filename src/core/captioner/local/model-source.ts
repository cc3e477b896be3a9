// Where a model comes from: a folder in Hugging Face ONNX layout that the user names, or a hub id that is
// downloaded once into a cache folder (only the files this device and dtype need) and used from there.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Device } from './device.js';
import { availableDtypes, chooseDtype, F16_DTYPES, onnxFileName, type DtypeChoice, type DtypeRequest } from './dtype.js';
import { CAPTIONER_KINDS, familyFor } from './families/index.js';
import type { ModelConfig, ModelFamily, ModelKinds, ModelLayout } from './families/family.js';
import { downloadHubFiles, listHubFiles, type HubOptions } from './hub-download.js';
import { webgpuShaderF16, type ShaderF16Probe } from './webgpu-features.js';

export interface ResolvedModel<F extends ModelLayout = ModelFamily> {
  /** Absolute folder the model loads from. */
  folder: string;
  /** Recorded as the captions' `model`: the hub id, or the folder's name (not its path, which would leak
   *  a local path into a manifest that people share). */
  id: string;
  family: F;
  dtype: DtypeChoice;
  source: 'folder' | 'cache' | 'download';
}

export interface ModelSourceOptions extends HubOptions {
  /** Where hub models are kept (default: defaultModelCache()). */
  cacheDir?: string;
  /** Whether WebGPU runs float16 kernels (default: webgpuShaderF16, a probe once per process); for tests. */
  shaderF16?: ShaderF16Probe;
}

const CONFIG_FILES = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
const REQUIRED_CONFIG = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

export function defaultModelCache(): string {
  if (process.env.RECAPTION_MODEL_CACHE) return process.env.RECAPTION_MODEL_CACHE;
  const base = process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')) : (process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'));
  return path.join(base, 'recaption', 'models');
}

/** "owner/name": what the hub calls a model id. */
export function looksLikeHubId(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(spec) && !spec.startsWith('.') && !spec.includes('..');
}

/**
 * A model spec that names a folder by its form: absolute, ./ or ../, ~, a Windows drive. A bare owner/name
 * is a hub id even when a folder of that name exists here: a dataset could ship one to replace the model.
 */
export function isExplicitModelPath(spec: string): boolean {
  return path.isAbsolute(spec) || /^\.\.?([\\/]|$)/.test(spec) || spec === '~' || /^~[\\/]/.test(spec) || /^[A-Za-z]:[\\/]/.test(spec);
}

function expandHome(spec: string): string {
  return spec === '~' || /^~[\\/]/.test(spec) ? path.join(os.homedir(), spec.slice(1)) : spec;
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Files of a model folder that matter: the top-level JSON files and onnx/*. */
async function listModelFiles(folder: string): Promise<Set<string>> {
  const files = new Set<string>();
  for (const name of await fs.readdir(folder)) files.add(name);
  const onnx = path.join(folder, 'onnx');
  if (await isDirectory(onnx)) for (const name of await fs.readdir(onnx)) files.add(`onnx/${name}`);
  return files;
}

async function readConfig(folder: string): Promise<ModelConfig> {
  const file = path.join(folder, 'config.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ModelConfig;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code === 'ENOENT' ? `${folder} is not a model folder: it has no config.json (expected Hugging Face ONNX layout: config.json, preprocessor_config.json, tokenizer.json, onnx/*.onnx)` : `${file}: ${e.message}`);
  }
}

function missingConfig(files: ReadonlySet<string>): string[] {
  return REQUIRED_CONFIG.filter((f) => !files.has(f));
}

/**
 * On WebGPU, why float16 kernels cannot run there (undefined: they can), asked only where the choice turns
 * on it: the folder has float16 weights, and `auto` or a float16 dtype was asked for.
 */
async function f16RefusalFor(device: Device, request: DtypeRequest, sessions: readonly string[], files: ReadonlySet<string>, options: ModelSourceOptions): Promise<string | undefined> {
  if (device !== 'webgpu' || (request !== 'auto' && !F16_DTYPES.includes(request))) return undefined;
  if (!availableDtypes(sessions, files).some((d) => F16_DTYPES.includes(d))) return undefined;
  const support = await (options.shaderF16 ?? webgpuShaderF16)();
  return support.supported ? undefined : support.reason;
}

async function fromFolder<F extends ModelLayout>(kinds: ModelKinds<F>, folder: string, id: string, device: Device, dtype: DtypeRequest, source: ResolvedModel['source'], options: ModelSourceOptions): Promise<ResolvedModel<F>> {
  const config = await readConfig(folder);
  const family = familyFor(kinds, config, path.join(folder, 'config.json'));
  const files = await listModelFiles(folder);
  const missing = missingConfig(files);
  if (missing.length) throw new Error(`${folder} is missing ${missing.join(', ')}`);
  const f16Refusal = await f16RefusalFor(device, dtype, family.sessions, files, options);
  return { folder, id, family, dtype: chooseDtype(device, dtype, family.sessions, files, folder, f16Refusal), source };
}

/**
 * A folder (absolute or relative to the working directory) wins over a hub id of the same spelling.
 * A hub id is looked up in the cache first; the network is used only for what the cache lacks.
 */
export function resolveModel(spec: string, device: Device, dtype: DtypeRequest, options: ModelSourceOptions = {}): Promise<ResolvedModel> {
  return resolveModelOf(CAPTIONER_KINDS, spec, device, dtype, options);
}

/** resolveModel for another kind of model (the scoring dual encoders). */
export async function resolveModelOf<F extends ModelLayout>(kinds: ModelKinds<F>, spec: string, device: Device, dtype: DtypeRequest, options: ModelSourceOptions = {}): Promise<ResolvedModel<F>> {
  const asPath = path.resolve(expandHome(spec));
  const hubId = looksLikeHubId(spec) && !isExplicitModelPath(spec);
  if (!hubId) {
    if (await isDirectory(asPath)) return fromFolder(kinds, asPath, path.basename(asPath), device, dtype, 'folder', options);
    throw new Error(`no such model folder: ${asPath} (a model is a folder in Hugging Face ONNX layout, or a hub id like onnx-community/Florence-2-base-ft)`);
  }
  try {
    return await fromHub(kinds, spec, device, dtype, options);
  } catch (err) {
    // Say so when a folder of that name is here, in case that is what the user meant.
    if (!(await isDirectory(asPath))) throw err;
    const hint = `a folder ${spec} is here too; to use it, write ./${spec}`;
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { message: `${(err as Error).message ?? String(err)} (${hint})` });
  }
}

async function fromHub<F extends ModelLayout>(kinds: ModelKinds<F>, spec: string, device: Device, dtype: DtypeRequest, options: ModelSourceOptions): Promise<ResolvedModel<F>> {

  const folder = path.join(options.cacheDir ?? defaultModelCache(), ...spec.split('/'));
  if (await isDirectory(folder)) {
    try {
      return await fromFolder(kinds, folder, spec, device, dtype, 'cache', options);
    } catch {
      // Incomplete cache (an interrupted download, or another dtype): fetch what is missing below.
    }
  }

  const remote = await listHubFiles(spec, options);
  await downloadHubFiles(spec, ['config.json'], folder, options);
  const family = familyFor(kinds, await readConfig(folder), `${spec}/config.json`);
  const choice = chooseDtype(device, dtype, family.sessions, remote, spec, await f16RefusalFor(device, dtype, family.sessions, remote, options));
  const onnx = family.sessions.map((s) => onnxFileName(s, choice.dtype));
  const wanted = [...CONFIG_FILES.filter((f) => remote.has(f)), ...onnx, ...onnx.map((f) => `${f}_data`).filter((f) => remote.has(f))];
  const missing = missingConfig(remote);
  if (missing.length) throw new Error(`${spec} on the hub has no ${missing.join(', ')}: it is not in the ONNX layout transformers.js loads (look for an onnx-community/ version)`);
  await downloadHubFiles(spec, wanted, folder, options);
  return { folder, id: spec, family, dtype: choice, source: 'download' };
}

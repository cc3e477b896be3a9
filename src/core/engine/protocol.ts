// The messages between a calling process (the extension host, the CLI) and the engine process, which runs
// all ONNX inference. Both sides check every message they receive against these shapes (checkRequest in
// the engine, checkReply in the caller): a message that does not fit is refused with the reason, never
// half-read. Requests carry an id; the engine answers each with one result or one error, and may send
// progress for it before. Notices (a device change mid-run) are not tied to a request.
import { CAPTION_KINDS, CAPTION_FINISHES, type CaptionFinish, type CaptionKind } from '../../shared/record.js';

export const DEVICE_NAMES = ['auto', 'cuda', 'webgpu', 'cpu'] as const;
export const DTYPE_NAMES = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const;
export const DECODE_LOOP_NAMES = ['own', 'generate'] as const;

/** What the engine needs to load any model: plain data, no callbacks. */
export interface ModelLoadOptions {
  model: string;
  device: (typeof DEVICE_NAMES)[number];
  dtype: (typeof DTYPE_NAMES)[number];
  /** Where hub models are kept; absent: the default cache. */
  cacheDir?: string;
  /** Images with more pixels are refused. */
  maxPixels?: number;
}

/** A captioner's load options. */
export interface CaptionerLoadOptions extends ModelLoadOptions {
  taskPrompts?: Partial<Record<CaptionKind, string>>;
  maxNewTokens?: number;
  dropClosingSentence?: boolean;
  decodeLoop?: (typeof DECODE_LOOP_NAMES)[number];
  /** The run's batch size (0: the device's default): the canary runs one batch of it. */
  batchSize?: number;
}

/** A scorer needs nothing beyond the model. */
export type ScorerLoadOptions = ModelLoadOptions;

export type EngineRequest =
  | { type: 'loadCaptioner'; id: number; options: CaptionerLoadOptions }
  | { type: 'loadScorer'; id: number; options: ScorerLoadOptions }
  | { type: 'prepare'; id: number; filePath: string; fileName: string }
  | { type: 'caption'; id: number; images: number[]; tasks: CaptionKind[] }
  | { type: 'release'; id: number; images: number[] }
  | { type: 'embedImage'; id: number; filePath: string }
  | { type: 'scoreTexts'; id: number; image: number[]; texts: string[] }
  | { type: 'deviceReport'; id: number; model?: string; dtype: (typeof DTYPE_NAMES)[number]; cacheDir?: string }
  | { type: 'memory'; id: number }
  | { type: 'shutdown'; id: number };

export type EngineRequestType = EngineRequest['type'];

/** What a loaded captioner tells the caller about itself. */
export interface CaptionerInfo {
  modelId: string;
  device: string;
  /** One line: family, dtype, device and why the other devices were passed over. */
  description: string;
  tasks: CaptionKind[];
  defaultBatchSize: number;
}

export interface ScorerInfo {
  modelName: string;
  description: string;
}

export interface PreparedInfo {
  handle: number;
  width: number;
  height: number;
}

export type CaptionOutcome =
  | { ok: true; captions: Partial<Record<CaptionKind, string>>; finish?: Partial<Record<CaptionKind, CaptionFinish>>; failures?: Partial<Record<CaptionKind, string>> }
  | { ok: false; error: string };

/** One device as `recaption gpu status` reports it (the probe, and the canary where a model was given). */
export interface DeviceReport {
  device: 'cuda' | 'webgpu' | 'cpu';
  ok: boolean;
  reason?: string;
  canary?: string;
}

export interface MemoryInfo {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

/** The result each request type answers with. */
export interface EngineResults {
  loadCaptioner: CaptionerInfo;
  loadScorer: ScorerInfo;
  prepare: PreparedInfo;
  caption: CaptionOutcome[];
  release: null;
  embedImage: number[];
  scoreTexts: number[];
  deviceReport: DeviceReport[];
  memory: MemoryInfo;
  shutdown: null;
}

export type EngineReply =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'progress'; id: number; message: string }
  /** The device changed mid-run (a GPU failure): what happened, and where the run goes on. */
  | { type: 'notice'; message: string; device: string };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Bounds on what a message may carry: a runaway or hostile peer cannot make the other side allocate. */
export const MESSAGE_LIMITS = {
  text: 1_000_000,
  path: 8_192,
  list: 4_096,
  vector: 65_536,
} as const;

type Fields = Record<string, unknown>;

function fail(what: string): never {
  throw new ProtocolError(what);
}

function record(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Fields;
}

function str(o: Fields, key: string, limit: number = MESSAGE_LIMITS.text): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${key} is not a string`);
  if (v.length > limit) fail(`${key} is longer than ${limit} characters`);
  return v;
}

function optStr(o: Fields, key: string, limit: number = MESSAGE_LIMITS.text): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, limit);
}

function int(o: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${key} is not an integer in ${min}..${max}`);
  return v;
}

function optInt(o: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return o[key] === undefined ? undefined : int(o, key, min, max);
}

function optBool(o: Fields, key: string): boolean | undefined {
  const v = o[key];
  if (v !== undefined && typeof v !== 'boolean') fail(`${key} is not a boolean`);
  return v as boolean | undefined;
}

function oneOf<T extends string>(o: Fields, key: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`${key} is not one of ${allowed.join(', ')}`);
  return v as T;
}

function list(o: Fields, key: string, limit: number = MESSAGE_LIMITS.list): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${key} is not a list`);
  if (v.length > limit) fail(`${key} has more than ${limit} items`);
  return v;
}

function ints(o: Fields, key: string): number[] {
  return list(o, key).map((v, i) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`${key}[${i}] is not a non-negative integer`)));
}

function numbers(o: Fields, key: string, limit: number): number[] {
  return list(o, key, limit).map((v, i) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`${key}[${i}] is not a finite number`)));
}

function strings(o: Fields, key: string): string[] {
  return list(o, key).map((v, i) => (typeof v === 'string' && v.length <= MESSAGE_LIMITS.text ? v : fail(`${key}[${i}] is not a string`)));
}

function kinds(o: Fields, key: string): CaptionKind[] {
  const out = strings(o, key);
  for (const k of out) if (!(CAPTION_KINDS as readonly string[]).includes(k)) fail(`${key} holds "${k}", not ssc or dsc`);
  if (!out.length) fail(`${key} is empty`);
  return out as CaptionKind[];
}

function kindMap<T>(value: unknown, key: string, item: (v: unknown) => T): Partial<Record<CaptionKind, T>> | undefined {
  if (value === undefined) return undefined;
  const o = record(value, key);
  const out: Partial<Record<CaptionKind, T>> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!(CAPTION_KINDS as readonly string[]).includes(k)) fail(`${key} has a key "${k}", not ssc or dsc`);
    out[k as CaptionKind] = item(v);
  }
  return out;
}

const textItem = (v: unknown) => (typeof v === 'string' && v.length <= MESSAGE_LIMITS.text ? v : fail('a caption text is not a string'));

function modelOptions(o: Fields): ModelLoadOptions {
  return {
    model: str(o, 'model', MESSAGE_LIMITS.path),
    device: oneOf(o, 'device', DEVICE_NAMES),
    dtype: oneOf(o, 'dtype', DTYPE_NAMES),
    cacheDir: optStr(o, 'cacheDir', MESSAGE_LIMITS.path),
    maxPixels: optInt(o, 'maxPixels', 1),
  };
}

function captionerOptions(value: unknown): CaptionerLoadOptions {
  const o = record(value, 'options');
  return {
    ...modelOptions(o),
    taskPrompts: kindMap(o.taskPrompts, 'taskPrompts', textItem),
    maxNewTokens: optInt(o, 'maxNewTokens', 1, 100_000),
    dropClosingSentence: optBool(o, 'dropClosingSentence'),
    decodeLoop: o.decodeLoop === undefined ? undefined : oneOf(o, 'decodeLoop', DECODE_LOOP_NAMES),
    batchSize: optInt(o, 'batchSize', 0, 4096),
  };
}

function scorerOptions(value: unknown): ScorerLoadOptions {
  return modelOptions(record(value, 'options'));
}

/** The engine's check of what it receives. */
export function checkRequest(message: unknown): EngineRequest {
  const o = record(message, 'the request');
  const id = int(o, 'id');
  const type = oneOf(o, 'type', ['loadCaptioner', 'loadScorer', 'prepare', 'caption', 'release', 'embedImage', 'scoreTexts', 'deviceReport', 'memory', 'shutdown'] as const);
  switch (type) {
    case 'loadCaptioner':
      return { type, id, options: captionerOptions(o.options) };
    case 'loadScorer':
      return { type, id, options: scorerOptions(o.options) };
    case 'prepare':
      return { type, id, filePath: str(o, 'filePath', MESSAGE_LIMITS.path), fileName: str(o, 'fileName', MESSAGE_LIMITS.path) };
    case 'caption':
      return { type, id, images: ints(o, 'images'), tasks: kinds(o, 'tasks') };
    case 'release':
      return { type, id, images: ints(o, 'images') };
    case 'embedImage':
      return { type, id, filePath: str(o, 'filePath', MESSAGE_LIMITS.path) };
    case 'scoreTexts':
      return { type, id, image: numbers(o, 'image', MESSAGE_LIMITS.vector), texts: strings(o, 'texts') };
    case 'deviceReport':
      return { type, id, model: optStr(o, 'model', MESSAGE_LIMITS.path), dtype: oneOf(o, 'dtype', DTYPE_NAMES), cacheDir: optStr(o, 'cacheDir', MESSAGE_LIMITS.path) };
    case 'memory':
    case 'shutdown':
      return { type, id };
  }
}

function deviceReport(value: unknown, i: number): DeviceReport {
  const o = record(value, `device ${i}`);
  const ok = o.ok;
  if (typeof ok !== 'boolean') fail(`device ${i} has no ok`);
  return { device: oneOf(o, 'device', ['cuda', 'webgpu', 'cpu'] as const), ok, reason: optStr(o, 'reason', 10_000), canary: optStr(o, 'canary', 10_000) };
}

/** The caller's check of what the engine sends. */
export function checkReply(message: unknown): EngineReply {
  const o = record(message, 'the reply');
  const type = oneOf(o, 'type', ['ready', 'result', 'error', 'progress', 'notice'] as const);
  switch (type) {
    case 'ready':
      return { type, pid: int(o, 'pid', 1) };
    case 'result':
      if (!('value' in o)) fail('a result has no value');
      return { type, id: int(o, 'id'), value: o.value };
    case 'error':
      return { type, id: int(o, 'id'), name: str(o, 'name', 200), message: str(o, 'message', 10_000) };
    case 'progress':
      return { type, id: int(o, 'id'), message: str(o, 'message', 2_000) };
    case 'notice':
      return { type, message: str(o, 'message', 10_000), device: str(o, 'device', 100) };
  }
}

function captionOutcome(value: unknown, i: number): CaptionOutcome {
  const o = record(value, `outcome ${i}`);
  if (o.ok === false) return { ok: false, error: str(o, 'error', 10_000) };
  if (o.ok !== true) fail(`outcome ${i} has no ok`);
  const finish = kindMap(o.finish, 'finish', (v) => ((CAPTION_FINISHES as readonly unknown[]).includes(v) ? (v as CaptionFinish) : fail('finish is not eos or length')));
  const failures = kindMap(o.failures, 'failures', textItem);
  return { ok: true, captions: kindMap(o.captions, 'captions', textItem) ?? {}, ...(finish ? { finish } : {}), ...(failures ? { failures } : {}) };
}

/** A result's value checked against the shape its request type answers with. */
export function checkResult<K extends EngineRequestType>(type: K, value: unknown): EngineResults[K] {
  const wrap = { value } as Fields;
  switch (type) {
    case 'loadCaptioner': {
      const o = record(value, 'the captioner');
      const info: CaptionerInfo = {
        modelId: str(o, 'modelId', MESSAGE_LIMITS.path),
        device: str(o, 'device', 100),
        description: str(o, 'description', 10_000),
        tasks: kinds(o, 'tasks'),
        defaultBatchSize: int(o, 'defaultBatchSize', 1, 4096),
      };
      return info as EngineResults[K];
    }
    case 'loadScorer': {
      const o = record(value, 'the scorer');
      return { modelName: str(o, 'modelName', MESSAGE_LIMITS.path), description: str(o, 'description', 10_000) } as EngineResults[K];
    }
    case 'prepare': {
      const o = record(value, 'the prepared image');
      return { handle: int(o, 'handle'), width: int(o, 'width'), height: int(o, 'height') } as EngineResults[K];
    }
    case 'caption':
      return list(wrap, 'value').map(captionOutcome) as EngineResults[K];
    case 'embedImage':
    case 'scoreTexts':
      return numbers(wrap, 'value', MESSAGE_LIMITS.vector) as EngineResults[K];
    case 'deviceReport':
      return list(wrap, 'value', 8).map(deviceReport) as EngineResults[K];
    case 'memory': {
      const o = record(value, 'the memory');
      return { rssBytes: int(o, 'rssBytes'), heapUsedBytes: int(o, 'heapUsedBytes'), externalBytes: int(o, 'externalBytes') } as EngineResults[K];
    }
    case 'release':
    case 'shutdown':
      if (value !== null) fail(`${type} answers null`);
      return null as EngineResults[K];
  }
  return fail(`unknown request type ${String(type)}`);
}

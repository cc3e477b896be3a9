// Weight precision: which onnx/<session><suffix>.onnx files a model is run from. The default depends on the
// device: fp16 on a GPU; q8 on the CPU, where it measured 1.74x fp32's throughput with Florence-2-base's
// dimensions (README, "Weight precision"); a model folder that lacks those files falls back to what it has,
// and WebGPU without float16 shaders (webgpu-features.ts) falls back past the float16 ones.
import type { Device } from './device.js';

export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
export type DtypeRequest = 'auto' | Dtype;
export const DTYPE_REQUESTS: readonly DtypeRequest[] = ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];

/** transformers.js's file suffixes (DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16' };

const PREFERENCE: Record<Device, readonly Dtype[]> = {
  cpu: ['q8', 'fp32', 'q4', 'fp16', 'q4f16'],
  cuda: ['fp16', 'fp32', 'q4f16', 'q4', 'q8'],
  webgpu: ['fp16', 'fp32', 'q4f16', 'q4', 'q8'],
};

/** Dtypes that compute in float16: on WebGPU they need the adapter's shader-f16. */
export const F16_DTYPES: readonly Dtype[] = ['fp16', 'q4f16'];

export class DtypeError extends Error {
  override name = 'DtypeError';
}

export function onnxFileName(session: string, dtype: Dtype): string {
  return `onnx/${session}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** The dtypes for which every session's file is present in `files` (paths relative to the model folder). */
export function availableDtypes(sessions: readonly string[], files: ReadonlySet<string>): Dtype[] {
  return (Object.keys(DTYPE_SUFFIX) as Dtype[]).filter((d) => sessions.every((s) => files.has(onnxFileName(s, d))));
}

export interface DtypeChoice {
  dtype: Dtype;
  /** Set when the device's preferred dtype was not available and another was used. */
  note?: string;
}

/**
 * `f16Refusal`: why float16 kernels cannot run on the device (completing "fp16 needs shader-f16: ..."),
 * where that was asked (WebGPU); float16 dtypes are then passed over, or refused when asked for by name.
 */
export function chooseDtype(device: Device, request: DtypeRequest, sessions: readonly string[], files: ReadonlySet<string>, modelName: string, f16Refusal?: string): DtypeChoice {
  const available = availableDtypes(sessions, files);
  const runs = (d: Dtype) => !(f16Refusal && F16_DTYPES.includes(d));
  if (request !== 'auto') {
    if (available.includes(request) && !runs(request)) throw new DtypeError(`${request} needs shader-f16: ${f16Refusal}; use fp32 (--dtype fp32 or auto) or another device`);
    if (available.includes(request)) return { dtype: request };
    const missing = sessions.map((s) => onnxFileName(s, request)).filter((f) => !files.has(f));
    throw new DtypeError(
      `${modelName} has no ${request} weights (missing ${missing.join(', ')}); it has ${available.length ? available.join(', ') : 'no complete set of ONNX files'}`,
    );
  }
  const preferred = PREFERENCE[device][0]!;
  const dtype = PREFERENCE[device].find((d) => available.includes(d) && runs(d));
  if (!dtype && available.length) throw new DtypeError(`${modelName} has only ${available.join(', ')} weights, which need shader-f16 on ${device}: ${f16Refusal}`);
  if (!dtype) {
    // Name what is missing from the set the folder comes closest to (the device's preference on a tie).
    const present = (d: Dtype) => sessions.filter((s) => files.has(onnxFileName(s, d))).length;
    const closest = PREFERENCE[device].reduce((best, d) => (present(d) > present(best) ? d : best), preferred);
    const missing = sessions.map((s) => onnxFileName(s, closest)).filter((f) => !files.has(f));
    throw new DtypeError(`${modelName} has no complete set of ONNX files: missing ${missing.join(', ')}`);
  }
  if (dtype === preferred) return { dtype };
  if (available.includes(preferred) && !runs(preferred)) return { dtype, note: `${preferred} needs shader-f16: ${f16Refusal}; using ${dtype}` };
  return { dtype, note: `${preferred} weights not found for ${device}, using ${dtype}` };
}

// Weight precision: which onnx/<session><suffix>.onnx files a model is run from. The default depends on the
// device: fp16 on a GPU; q8 on the CPU, where it measured 1.74x fp32's throughput with Florence-2-base's
// dimensions (README, "Weight precision"); a model folder that lacks those files falls back to what it has.
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

export function chooseDtype(device: Device, request: DtypeRequest, sessions: readonly string[], files: ReadonlySet<string>, modelName: string): DtypeChoice {
  const available = availableDtypes(sessions, files);
  if (request !== 'auto') {
    if (available.includes(request)) return { dtype: request };
    const missing = sessions.map((s) => onnxFileName(s, request)).filter((f) => !files.has(f));
    throw new DtypeError(
      `${modelName} has no ${request} weights (missing ${missing.join(', ')}); it has ${available.length ? available.join(', ') : 'no complete set of ONNX files'}`,
    );
  }
  const preferred = PREFERENCE[device][0]!;
  const dtype = PREFERENCE[device].find((d) => available.includes(d));
  if (!dtype) {
    // Name what is missing from the set the folder comes closest to (the device's preference on a tie).
    const present = (d: Dtype) => sessions.filter((s) => files.has(onnxFileName(s, d))).length;
    const closest = PREFERENCE[device].reduce((best, d) => (present(d) > present(best) ? d : best), preferred);
    const missing = sessions.map((s) => onnxFileName(s, closest)).filter((f) => !files.has(f));
    throw new DtypeError(`${modelName} has no complete set of ONNX files: missing ${missing.join(', ')}`);
  }
  return dtype === preferred ? { dtype } : { dtype, note: `${preferred} weights not found for ${device}, using ${dtype}` };
}

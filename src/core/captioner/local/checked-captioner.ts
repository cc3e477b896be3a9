// The captioner a run gets: under `auto`, a GPU only after its canary passed (device-canary.ts), the next
// device otherwise, with every reason kept for the device line; for the run itself, a GPU that fails
// mid-run falls back through smaller batches to the CPU (gpu-fallback.ts).
import type { CaptionKind } from '../../../shared/record.js';
import type { CaptionResult, PreparedImage } from '../backend.js';
import { AUTO_DEVICES, type Device } from './device.js';
import { runCanary, type CanaryVerdict } from './device-canary.js';
import { GpuFallbackCaptioner, type FallbackEvents } from './gpu-fallback.js';
import { createLocalBackend, type LocalBackendOptions, type LocalCaptionBackend } from './local-backend.js';

/** What a run drives: a local backend, or the same seen through a test's injected faults. */
export interface RunCaptioner {
  readonly device: string;
  readonly tasks: readonly CaptionKind[];
  prepare(filePath: string, fileName: string): Promise<PreparedImage>;
  captionBatch(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]>;
  dispose(): Promise<void>;
}

export interface CheckedCaptionerOptions extends LocalBackendOptions {
  /** The run's batch size; the canary runs one batch of it (0 or absent: the device's default). */
  batchSize?: number;
  /** Wraps the GPU captioner (tests inject device failures here); default: as loaded. */
  decorateGpu?: (backend: LocalCaptionBackend) => RunCaptioner;
}

export interface CheckedCaptioner {
  backend: LocalCaptionBackend;
  run: GpuFallbackCaptioner;
  /** The canary's verdict where one ran (auto on a GPU). */
  canary: CanaryVerdict | null;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Loads the captioner; under auto a GPU must pass its canary first. */
export async function loadCheckedCaptioner(options: CheckedCaptionerOptions, events: FallbackEvents): Promise<CheckedCaptioner> {
  const decorate = options.decorateGpu ?? ((b: LocalCaptionBackend) => b);
  const rejected: LocalCaptionBackend['deviceChoice']['rejected'] = [];
  let candidates: readonly Device[] = options.candidates ?? AUTO_DEVICES;
  for (;;) {
    const backend = await createLocalBackend({ ...options, candidates });
    rejected.push(...backend.deviceChoice.rejected);
    backend.deviceChoice.rejected.splice(0, Infinity, ...rejected);
    const gpu = backend.device === 'cpu' ? backend : decorate(backend);
    // The CPU fallback reads the same model with the CPU's own weight default.
    const loadCpu = () => createLocalBackend({ ...options, device: 'cpu', candidates: undefined });
    if ((options.device ?? 'auto') !== 'auto' || backend.device === 'cpu') {
      return { backend, run: new GpuFallbackCaptioner(gpu, loadCpu, events), canary: null };
    }
    const sameWeights = async () => {
      try {
        return await createLocalBackend({ ...options, device: 'cpu', dtype: backend.resolved.dtype.dtype, candidates: undefined });
      } catch {
        return null;
      }
    };
    let cpuTwin: LocalCaptionBackend | null = null;
    const verdict = await runCanary(gpu, async () => (cpuTwin = await sameWeights()), options.batchSize || backend.defaultBatchSize).catch(
      (err: unknown): CanaryVerdict => ({ ok: false, reason: `its canary failed: ${describe(err)}` }),
    );
    await (cpuTwin as LocalCaptionBackend | null)?.dispose();
    if (verdict.ok) return { backend, run: new GpuFallbackCaptioner(gpu, loadCpu, events, verdict.batch), canary: verdict };
    rejected.push({ device: backend.device as Device, reason: verdict.reason });
    await gpu.dispose();
    candidates = candidates.filter((d) => d !== backend.device && !rejected.some((r) => r.device === d));
    if (!candidates.includes('cpu')) candidates = [...candidates, 'cpu'];
  }
}

/**
 * The canary alone, for `recaption gpu status`: loads `options.model` on `device`, runs one canary batch
 * there and on the CPU with the same weights.
 */
export async function canaryOnDevice(options: LocalBackendOptions, device: Device): Promise<{ ok: boolean; detail: string }> {
  let gpu: LocalCaptionBackend;
  try {
    gpu = await createLocalBackend({ ...options, device });
  } catch (err) {
    return { ok: false, detail: `${options.model} does not load there: ${describe(err)}` };
  }
  let cpu: LocalCaptionBackend | null = null;
  try {
    const verdict = await runCanary(gpu, async () => (cpu = await createLocalBackend({ ...options, device: 'cpu', dtype: gpu.resolved.dtype.dtype }).catch(() => null)), 1);
    const what = `${gpu.resolved.id} ${gpu.resolved.dtype.dtype}`;
    return verdict.ok ? { ok: true, detail: `canary of ${what} passed${verdict.note ? `; ${verdict.note}` : ', same caption as the CPU'}` } : { ok: false, detail: `${what}: ${verdict.reason}` };
  } catch (err) {
    return { ok: false, detail: `its canary failed: ${describe(err)}` };
  } finally {
    await gpu.dispose();
    await (cpu as LocalCaptionBackend | null)?.dispose();
  }
}

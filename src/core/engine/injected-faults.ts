// Device failures on demand, for the tests of the canary and the mid-run fallback: a machine without a
// GPU cannot run a GPU out of memory. Read from RECAPTION_ENGINE_FAULTS (JSON) in the engine process only;
// absent, nothing is wrapped. Only ever applied to a GPU captioner.
import type { CaptionKind } from '../../shared/record.js';
import type { CaptionResult, PreparedImage } from '../captioner/backend.js';
import type { RunCaptioner } from '../captioner/local/checked-captioner.js';

export const FAULTS_VARIABLE = 'RECAPTION_ENGINE_FAULTS';

export interface FaultPlan {
  /** The canary (the GPU's first batch) throws, or answers other captions than the model's. */
  canary?: 'fail' | 'mismatch';
  /** Batches of more images than this throw "out of memory". */
  failBatchesOver?: number;
  /** After this many images captioned (canary included), every batch throws "device lost". */
  deviceLostAfter?: number;
}

function parsePlan(text: string): FaultPlan {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null) throw new Error(`${FAULTS_VARIABLE} is not a JSON object`);
  const o = value as Record<string, unknown>;
  const count = (key: string) => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${FAULTS_VARIABLE}.${key} is not a count`);
    return v;
  };
  const canary = o.canary;
  if (canary !== undefined && canary !== 'fail' && canary !== 'mismatch') throw new Error(`${FAULTS_VARIABLE}.canary is fail or mismatch`);
  return { canary, failBatchesOver: count('failBatchesOver'), deviceLostAfter: count('deviceLostAfter') };
}

class FaultyCaptioner implements RunCaptioner {
  private batches = 0;
  private images = 0;

  constructor(
    private readonly inner: RunCaptioner,
    private readonly plan: FaultPlan,
  ) {}

  get device(): string {
    return this.inner.device;
  }

  get tasks(): readonly CaptionKind[] {
    return this.inner.tasks;
  }

  prepare(filePath: string, fileName: string): Promise<PreparedImage> {
    return this.inner.prepare(filePath, fileName);
  }

  async captionBatch(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<CaptionResult[]> {
    const first = this.batches++ === 0;
    const { canary, failBatchesOver, deviceLostAfter } = this.plan;
    if (first && canary === 'fail') throw new Error('injected fault: the device failed the canary');
    if (failBatchesOver !== undefined && images.length > failBatchesOver) throw new Error(`injected fault: out of memory for a batch of ${images.length}`);
    if (deviceLostAfter !== undefined && this.images >= deviceLostAfter) throw new Error('injected fault: device lost');
    const results = await this.inner.captionBatch(images, tasks);
    this.images += images.length;
    if (!(first && canary === 'mismatch')) return results;
    return results.map((r) => (r.ok ? { ...r, captions: Object.fromEntries(Object.entries(r.captions).map(([k, t]) => [k, `${t} (perturbed)`])) } : r));
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** The plan in the environment, if any, as a wrapper of GPU captioners. */
export function injectedFaults(env: NodeJS.ProcessEnv = process.env): { plan: FaultPlan; wrap(captioner: RunCaptioner): RunCaptioner } | null {
  const text = env[FAULTS_VARIABLE];
  if (!text) return null;
  const plan = parsePlan(text);
  return { plan, wrap: (captioner) => new FaultyCaptioner(captioner, plan) };
}

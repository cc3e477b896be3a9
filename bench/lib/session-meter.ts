// Counts and times every ONNX Runtime session run in this process, by the session's role in the Florence-2
// layout (told apart by input names). Bench-only instrumentation: it wraps InferenceSession.prototype.run,
// which transformers.js calls for every model part.
import { InferenceSession, Tensor } from 'onnxruntime-node';

export type SessionRole = 'vision' | 'embed' | 'encoder' | 'decoder' | 'other';

export interface RoleMeter {
  runs: number;
  /** Sum of the batch dimension over runs (for the vision encoder: images encoded). */
  items: number;
  ms: number;
}

export type MeterSnapshot = Record<SessionRole, RoleMeter>;

const ROLES: SessionRole[] = ['vision', 'embed', 'encoder', 'decoder', 'other'];

function roleOf(inputNames: readonly string[]): SessionRole {
  if (inputNames.includes('pixel_values')) return 'vision';
  if (inputNames.includes('use_cache_branch')) return 'decoder';
  if (inputNames.includes('input_ids') && inputNames.length === 1) return 'embed';
  if (inputNames.includes('inputs_embeds') && inputNames.includes('attention_mask')) return 'encoder';
  return 'other';
}

function empty(): MeterSnapshot {
  return Object.fromEntries(ROLES.map((r) => [r, { runs: 0, items: 0, ms: 0 }])) as MeterSnapshot;
}

let totals = empty();
let installed = false;

export function installSessionMeter(): void {
  if (installed) return;
  installed = true;
  type Run = (this: InferenceSession, feeds: InferenceSession.FeedsType, ...rest: unknown[]) => Promise<InferenceSession.ReturnType>;
  // The declared type is a factory interface; at run time InferenceSession is the class.
  const proto = (InferenceSession as unknown as { prototype: { run: Run } }).prototype;
  const original = proto.run;
  proto.run = async function (this: InferenceSession, feeds, ...rest) {
    const role = roleOf(this.inputNames);
    const first = Object.values(feeds)[0];
    const batch = first instanceof Tensor ? Number(first.dims[0] ?? 1) : 1;
    const started = performance.now();
    try {
      return await original.call(this, feeds, ...rest);
    } finally {
      const m = totals[role];
      m.runs++;
      m.items += batch;
      m.ms += performance.now() - started;
    }
  };
}

/** The counts since the last reset. */
export function readSessionMeter(): MeterSnapshot {
  return JSON.parse(JSON.stringify(totals)) as MeterSnapshot;
}

export function resetSessionMeter(): void {
  totals = empty();
}

/** The sum of two snapshots (a new one; `a` null is none yet). */
export function addMeters(a: MeterSnapshot | null, b: MeterSnapshot): MeterSnapshot {
  if (!a) return b;
  const out = JSON.parse(JSON.stringify(a)) as MeterSnapshot;
  for (const role of Object.keys(b) as (keyof MeterSnapshot)[]) {
    out[role].runs += b[role].runs;
    out[role].items += b[role].items;
    out[role].ms += b[role].ms;
  }
  return out;
}

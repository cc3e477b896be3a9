// onnxruntime-node 1.30's binding takes float16 data only as a Uint16Array of bits: handed a Float16Array it
// fails with "not enough space: expected N, got 0". Where the runtime has Float16Array (Node 24; Electron's
// Node in VS Code), onnxruntime-common keeps every float16 tensor's data in one: those built from bits and
// those a session returns alike. transformers.js re-points its own feeds at the bits before each run
// (models/session.js); the own decode loop runs sessions directly. This wraps a session's run so that its
// float16 feeds and outputs hold bits (Uint16Array views of the same bytes), as they always do on Node 20,
// where it changes nothing.
import type { InferenceSession } from 'onnxruntime-node';

/** A tensor as far as this touches it: onnxruntime-common's TensorImpl keeps its data in `cpuData`. */
interface HalfTensor {
  readonly type: string;
  cpuData?: unknown;
}

function asBits(value: unknown): void {
  const tensor = value as HalfTensor | null;
  if (!tensor || tensor.type !== 'float16') return;
  const data = tensor.cpuData;
  if (ArrayBuffer.isView(data) && !(data instanceof Uint16Array)) tensor.cpuData = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
}

type Run = (feeds: Record<string, unknown>, ...rest: unknown[]) => Promise<Record<string, unknown>>;

/** Makes `session` take and give float16 data as bits; does nothing where the runtime has no Float16Array. */
export function keepFloat16AsBits(session: InferenceSession): void {
  if (typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'undefined') return;
  const target = session as unknown as { run: Run };
  // A run wrapped on this session already is kept; the class's own is looked up at each call, so that
  // what patches the prototype later (a test recording runs) still sees every run.
  const wrapped = Object.prototype.hasOwnProperty.call(session, 'run') ? target.run : null;
  target.run = async (feeds, ...rest) => {
    Object.values(feeds).forEach(asBits);
    const run = wrapped ?? (Object.getPrototypeOf(session) as { run: Run }).run;
    const out = await run.call(session, feeds, ...rest);
    Object.values(out).forEach(asBits);
    return out;
  };
}

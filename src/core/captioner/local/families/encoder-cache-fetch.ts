// After its first step, Florence-2's merged decoder returns its cross-attention cache
// (present.N.encoder.key / .value) unchanged, and transformers.js keeps the copy it already holds. Fetching
// those outputs anyway copies the whole cache (batch x heads x image tokens x head size, per layer) out of
// ONNX Runtime on every generated token, only to be thrown away. This asks the session for the other
// outputs on cached steps and hands back the cache it was fed under the output names.

/** An ONNX Runtime tensor as far as this needs it: the use_cache_branch flag's data. */
interface FeedTensor {
  readonly data?: unknown;
}

/** The ONNX Runtime InferenceSession surface used here (transformers.js calls run(feeds)). */
export interface DecoderSession {
  readonly outputNames: readonly string[];
  run(feeds: Record<string, FeedTensor>, ...rest: unknown[]): Promise<Record<string, unknown>>;
}

const ENCODER_CACHE_OUTPUT = /^present\.\d+\.encoder\.(key|value)$/;

/** Wraps `session.run`; returns false (and changes nothing) when the session has no encoder cache outputs. */
export function skipUnchangedEncoderCache(session: DecoderSession): boolean {
  const cacheOutputs = session.outputNames.filter((n) => ENCODER_CACHE_OUTPUT.test(n));
  if (!cacheOutputs.length) return false;
  const otherOutputs = session.outputNames.filter((n) => !ENCODER_CACHE_OUTPUT.test(n));
  const run = session.run.bind(session);
  session.run = async (feeds, ...rest) => {
    const flag = feeds.use_cache_branch?.data;
    const cached = (flag instanceof Uint8Array || Array.isArray(flag)) && Boolean(flag[0]);
    const inputs = cacheOutputs.map((n) => feeds[n.replace('present', 'past_key_values')]);
    if (rest.length || !cached || inputs.some((t) => t === undefined)) return run(feeds, ...rest);
    const out = await run(feeds, otherOutputs);
    cacheOutputs.forEach((name, i) => (out[name] = inputs[i]));
    return out;
  };
  return true;
}

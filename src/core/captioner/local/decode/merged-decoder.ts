// One merged decoder session (decoder_model_merged.onnx, as Hugging Face exports it) driven a step at a
// time: it feeds each step the previous step's cache tensors as they came out (no copy in JavaScript), and
// drops finished rows from every tensor it holds so that later steps compute only the rows still generating.
// An encoder's cross-attention cache is computed once, on the first step, then fed back as is; on the CPU
// later steps do not fetch it again. On WebGPU the cache stays in GPU buffers (transformers.js creates the
// session with `preferredOutputLocation: 'gpu-buffer'` for it) and rows are not dropped there. Such a session
// is IO-bound: onnxruntime-node binds its outputs on the first run and refuses ("Output count mismatch.") a
// later run that fetches other outputs, so there every step fetches all of them and frees what it does not keep.
import { Tensor, type InferenceSession } from 'onnxruntime-node';

/** What a step feeds as the new token: its id (gpt2-style) or its embedding (Florence-2: inputs_embeds). */
export type TokenInput = { kind: 'ids' } | { kind: 'embeds'; embed: (ids: readonly number[]) => Promise<Tensor> };

export interface MergedDecoderInputs {
  session: InferenceSession;
  token: TokenInput;
  /** [rows, encoder tokens, width]. */
  encoderHiddenStates: Tensor;
  /** [rows, encoder tokens] int64, where the session takes one. */
  encoderAttentionMask?: Tensor;
  /**
   * The session's outputs are bound (created with a preferredOutputLocation), so every run must fetch the
   * same outputs. Also inferred from the first step, when its cache comes back off the CPU.
   */
  outputsBound?: boolean;
}

const PAST = /^past_key_values\.(.+)$/;
const PRESENT = /^present\.(.+)$/;
const ENCODER_CACHE = /\.encoder\.(key|value)$/;
const KNOWN_INPUTS = new Set(['input_ids', 'inputs_embeds', 'encoder_hidden_states', 'encoder_attention_mask', 'use_cache_branch']);

export class DecodeLayoutError extends Error {
  override name = 'DecodeLayoutError';
}

/** An empty cache input for the first step: [rows, heads, 0, head size], heads and size literal in the graph. */
function emptyCache(session: InferenceSession, name: string, rows: number): Tensor {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) throw new DecodeLayoutError(`${name} is not a tensor input`);
  const [, heads, , size] = meta.shape;
  if (typeof heads !== 'number' || typeof size !== 'number') throw new DecodeLayoutError(`${name} has no literal heads and head size in the graph`);
  if (meta.type === 'float16') return new Tensor('float16', new Uint16Array(0), [rows, heads, 0, size]);
  if (meta.type !== 'float32') throw new DecodeLayoutError(`${name} is ${meta.type}, not float32 or float16`);
  return new Tensor('float32', new Float32Array(0), [rows, heads, 0, size]);
}

/** Checks that the session takes only inputs this stepper knows how to feed; throws DecodeLayoutError. */
export function checkMergedDecoder(session: InferenceSession, token: TokenInput['kind']): void {
  const unknown = session.inputNames.filter((n) => !KNOWN_INPUTS.has(n) && !PAST.test(n));
  if (unknown.length) throw new DecodeLayoutError(`the decoder takes inputs the own decode loop does not feed: ${unknown.join(', ')}`);
  const wanted = token === 'ids' ? 'input_ids' : 'inputs_embeds';
  if (!session.inputNames.includes(wanted)) throw new DecodeLayoutError(`the decoder takes no ${wanted}`);
  if (!session.inputNames.includes('use_cache_branch')) throw new DecodeLayoutError('the decoder is not a merged decoder (no use_cache_branch)');
  if (!session.outputNames.includes('logits')) throw new DecodeLayoutError('the decoder has no logits output');
  for (const name of session.inputNames) if (PAST.test(name)) emptyCache(session, name, 1);
}

function onCpu(tensor: Tensor): boolean {
  return tensor.location === 'cpu' || tensor.location === 'none' || tensor.location === undefined;
}

type RowData = Float32Array | Uint16Array | BigInt64Array;

function gather<T extends RowData>(data: T, out: T, keep: readonly number[], width: number): T {
  keep.forEach((row, i) => out.set(data.subarray(row * width, (row + 1) * width) as never, i * width));
  return out;
}

/** Rows `keep` (in that order) of a tensor whose first dimension is the batch; CPU tensors only. */
function gatherRows(tensor: Tensor, keep: readonly number[]): Tensor {
  const dims = [keep.length, ...tensor.dims.slice(1)];
  const width = tensor.size / tensor.dims[0]!;
  const n = keep.length * width;
  const data = tensor.data;
  if (data instanceof Float32Array) return new Tensor(tensor.type, gather(data, new Float32Array(n), keep, width), dims);
  if (data instanceof Uint16Array) return new Tensor('float16', gather(data, new Uint16Array(n), keep, width), dims);
  if (data instanceof BigInt64Array) return new Tensor('int64', gather(data, new BigInt64Array(n), keep, width), dims);
  throw new DecodeLayoutError(`cannot drop rows of a ${tensor.type} tensor`);
}

function release(tensor: Tensor | undefined): void {
  if (tensor && !onCpu(tensor)) tensor.dispose();
}

/** Callers check the session once with checkMergedDecoder (decode-plan.ts does, at load), not per batch. */
export class MergedDecoder {
  private readonly session: InferenceSession;
  private readonly token: TokenInput;
  private encoderHiddenStates: Tensor;
  private encoderAttentionMask: Tensor | undefined;
  /** Cache tensors by past input name; empty before the first step. */
  private cache = new Map<string, Tensor>();
  private readonly pastNames: string[];
  private readonly stepOutputs: string[];
  private readonly allOutputs: string[];
  private outputsBound: boolean;
  private first = true;
  rows: number;
  /** Session runs made, for the bench and tests. */
  runs = 0;

  constructor(inputs: MergedDecoderInputs) {
    this.session = inputs.session;
    this.token = inputs.token;
    this.encoderHiddenStates = inputs.encoderHiddenStates;
    this.encoderAttentionMask = inputs.encoderAttentionMask;
    this.outputsBound = inputs.outputsBound ?? false;
    this.rows = inputs.encoderHiddenStates.dims[0]!;
    this.pastNames = this.session.inputNames.filter((n) => PAST.test(n));
    this.allOutputs = [...this.session.outputNames];
    // After the first step the encoder's cache outputs are the ones fed in: do not fetch them again
    // (where the outputs are not bound).
    this.stepOutputs = this.allOutputs.filter((n) => !(PRESENT.test(n) && ENCODER_CACHE.test(n)));
  }

  /** Runs one step on each row's latest token; returns the logits of the last position, [rows, vocab]. */
  async step(tokens: readonly number[]): Promise<{ logits: Float32Array | Uint16Array; type: Tensor.Type; vocab: number }> {
    if (tokens.length !== this.rows) throw new Error(`a step takes one token per row (${this.rows}), got ${tokens.length}`);
    const feeds: Record<string, Tensor> = {};
    const names = this.session.inputNames;
    if (this.token.kind === 'ids') feeds.input_ids = new Tensor('int64', BigInt64Array.from(tokens, BigInt), [this.rows, 1]);
    else feeds.inputs_embeds = await this.token.embed(tokens);
    feeds.encoder_hidden_states = this.encoderHiddenStates;
    if (names.includes('encoder_attention_mask')) {
      if (!this.encoderAttentionMask) throw new DecodeLayoutError('the decoder takes encoder_attention_mask and none was given');
      feeds.encoder_attention_mask = this.encoderAttentionMask;
    }
    feeds.use_cache_branch = new Tensor('bool', new Uint8Array([this.first ? 0 : 1]), [1]);
    for (const name of this.pastNames) {
      const cached = this.cache.get(name);
      feeds[name] = cached ?? emptyCache(this.session, name, this.rows);
    }
    // The first step computes the encoder's cache; a bound session needs the same fetches on every step.
    const fetches = this.first || this.outputsBound ? this.allOutputs : this.stepOutputs;
    const out = await this.session.run(feeds, fetches);
    this.runs++;
    if (this.first && fetches.some((name) => !onCpu(out[name]!))) this.outputsBound = true;
    this.keepCache(out, fetches);
    this.first = false;
    const logits = out.logits!;
    const [rows, length, vocab] = logits.dims as [number, number, number];
    const data = onCpu(logits) ? logits.data : await logits.getData(true);
    // One token per step: the last position is the only one, except on a prompt longer than one token.
    const last = length === 1 ? data : sliceLast(data as Float32Array | Uint16Array, rows, length, vocab);
    return { logits: last as Float32Array | Uint16Array, type: logits.type, vocab };
  }

  /**
   * Takes the step's cache outputs as the next step's inputs and frees the GPU tensors no step feeds any more:
   * the cache this step was fed, and on a bound session the copies of the encoder's cache that cached steps
   * return (the first step's stays fed). The logits are read by the caller.
   */
  private keepCache(out: Record<string, Tensor>, fetched: readonly string[]): void {
    for (const name of fetched) {
      if (name === 'logits') continue;
      const tensor = out[name]!;
      const past = name.replace(PRESENT, 'past_key_values.$1');
      if (!PRESENT.test(name) || !this.pastNames.includes(past)) {
        release(tensor);
        continue;
      }
      const previous = this.cache.get(past);
      if (!this.first && ENCODER_CACHE.test(name)) {
        if (tensor !== previous) release(tensor);
        continue;
      }
      this.cache.set(past, tensor);
      if (previous && previous !== tensor) release(previous);
    }
  }

  /**
   * Keeps only rows `keep` (indices into the current rows, in order). Returns false, keeping them all,
   * where the cache is not in CPU memory (WebGPU): those rows then go on computing, unread.
   */
  keepRows(keep: readonly number[]): boolean {
    if (keep.length === this.rows) return true;
    const tensors = [this.encoderHiddenStates, this.encoderAttentionMask, ...this.cache.values()].filter((t): t is Tensor => t !== undefined);
    if (!tensors.every(onCpu)) return false;
    this.encoderHiddenStates = gatherRows(this.encoderHiddenStates, keep);
    if (this.encoderAttentionMask) this.encoderAttentionMask = gatherRows(this.encoderAttentionMask, keep);
    for (const [name, tensor] of this.cache) this.cache.set(name, gatherRows(tensor, keep));
    this.rows = keep.length;
    return true;
  }

  /** Frees GPU-held cache tensors (CPU ones go with the garbage collector). */
  dispose(): void {
    for (const tensor of this.cache.values()) release(tensor);
    this.cache.clear();
  }
}

function sliceLast(data: Float32Array | Uint16Array, rows: number, length: number, vocab: number): Float32Array | Uint16Array {
  const out = new (data.constructor as new (n: number) => Float32Array | Uint16Array)(rows * vocab);
  for (let r = 0; r < rows; r++) out.set(data.subarray((r * length + length - 1) * vocab, (r * length + length) * vocab), r * vocab);
  return out;
}

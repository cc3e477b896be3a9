// The own greedy decode loop: batched steps on a merged decoder, each row stopping at its end-of-sequence
// token or the token limit (and leaving the batch, so later steps compute only the rows still going), and
// why each row ended, for the defect flags ("finish": "eos" | "length").
import type { CaptionFinish } from '../../../../shared/record.js';
import { nextToken, RowHistory, type GenerationRules } from './generation-rules.js';
import type { MergedDecoder } from './merged-decoder.js';

export interface DecodedRow {
  /** The generated tokens after the start token, the end-of-sequence token included when there is one. */
  tokens: number[];
  finish: CaptionFinish;
}

/** IEEE half-precision bits to a float (fp16 models return fp16 logits). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function rowLogits(data: Float32Array | Uint16Array, row: number, vocab: number): Float32Array {
  if (data instanceof Float32Array) return data.subarray(row * vocab, (row + 1) * vocab);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = halfToFloat(data[row * vocab + i]!);
  return out;
}

export interface GreedyOptions {
  /**
   * Rows are not independent: the decoder quantizes its activations per tensor (q8's DynamicQuantizeLinear),
   * so each row's numbers depend on the others in the batch. Finished rows then stay in the batch and go
   * on taking their own next token, exactly as generate() runs them, so every row sees the batch it would
   * there; what they generate after their end is not kept.
   */
  rowsInteract?: boolean;
}

export async function greedyDecode(decoder: MergedDecoder, rules: GenerationRules, options: GreedyOptions = {}): Promise<DecodedRow[]> {
  const count = decoder.rows;
  const histories = Array.from({ length: count }, () => new RowHistory(rules.startToken, rules));
  const finish: (CaptionFinish | null)[] = new Array(count).fill(null);
  /** Tokens of each row when it finished (its history may go on after, when rows interact). */
  const ended: number[] = new Array(count).fill(0);
  /** The original row of each row the decoder still holds. */
  let live = Array.from({ length: count }, (_, i) => i);
  while (live.some((row) => finish[row] === null)) {
    const { logits, vocab } = await decoder.step(live.map((row) => histories[row]!.tokens.at(-1)!));
    live.forEach((row, i) => {
      if (finish[row] !== null && !options.rowsInteract) return;
      const history = histories[row]!;
      // A forced end-of-sequence (forced_eos_token_id, one token before the limit) is the limit speaking.
      const forcedEnd = rules.forcedEos !== null && history.tokens.length === rules.maxLength - 1;
      const token = nextToken(rowLogits(logits, i, vocab), history, rules);
      history.push(token);
      if (finish[row] !== null) return;
      if (rules.eos.includes(token)) finish[row] = forcedEnd ? 'length' : 'eos';
      else if (history.tokens.length >= rules.maxLength) finish[row] = 'length';
      if (finish[row] !== null) ended[row] = history.tokens.length;
    });
    if (options.rowsInteract) continue;
    const going = live.flatMap((row, i) => (finish[row] === null ? [i] : []));
    if (going.length > 0 && going.length < live.length && decoder.keepRows(going)) live = going.map((i) => live[i]!);
  }
  return histories.map((h, row) => ({ tokens: h.tokens.slice(1, ended[row]), finish: finish[row]! }));
}

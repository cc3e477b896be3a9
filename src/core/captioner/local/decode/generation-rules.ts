// What greedy decoding must honour from a model's generation config, and the next token it picks. The
// rules and their order are transformers.js 4.3.1's (_get_logits_processor), so the own decode loop picks
// the same token as its generate() on the same logits; a config asking for something greedy decoding
// cannot do (sampling, bad-word lists, guidance) is reported, and the caller keeps generate().

/** The generation config as transformers.js resolves it (model config, generation_config.json, overrides). */
export interface GenerationConfigLike {
  max_length?: number | null;
  max_new_tokens?: number | null;
  eos_token_id?: number | number[] | null;
  decoder_start_token_id?: number | null;
  bos_token_id?: number | null;
  forced_bos_token_id?: number | null;
  forced_eos_token_id?: number | number[] | null;
  min_length?: number | null;
  min_new_tokens?: number | null;
  no_repeat_ngram_size?: number | null;
  repetition_penalty?: number | null;
  suppress_tokens?: number[] | null;
  begin_suppress_tokens?: number[] | null;
  bad_words_ids?: number[][] | null;
  guidance_scale?: number | null;
  do_sample?: boolean | null;
}

export interface GenerationRules {
  /** Tokens in a finished sequence, the start token included; a row reaching it ends with finish "length". */
  maxLength: number;
  eos: readonly number[];
  startToken: number;
  forcedBos: number | null;
  forcedEos: readonly number[] | null;
  minLength: number;
  minNewTokens: number;
  noRepeatNgram: number;
  repetitionPenalty: number;
  suppress: readonly number[];
  beginSuppress: readonly number[];
}

const list = (v: number | number[] | null | undefined): number[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The rules, or the reason greedy decoding cannot follow this config. */
export function generationRules(config: GenerationConfigLike): GenerationRules | { unsupported: string } {
  if (config.do_sample) return { unsupported: 'the generation config samples (do_sample)' };
  if (config.bad_words_ids) return { unsupported: 'the generation config has bad_words_ids' };
  if (config.guidance_scale !== null && config.guidance_scale !== undefined && config.guidance_scale > 1) return { unsupported: 'the generation config uses classifier-free guidance' };
  const startToken = config.decoder_start_token_id ?? config.bos_token_id;
  if (startToken === null || startToken === undefined) return { unsupported: 'the generation config has no decoder_start_token_id' };
  // An encoder-decoder starts from one token; max_new_tokens counts after it, as in generate().
  const maxLength = config.max_new_tokens !== null && config.max_new_tokens !== undefined ? 1 + config.max_new_tokens : (config.max_length ?? 20);
  const eos = list(config.eos_token_id);
  return {
    maxLength,
    eos,
    startToken,
    forcedBos: config.forced_bos_token_id ?? null,
    forcedEos: config.forced_eos_token_id === null || config.forced_eos_token_id === undefined ? null : list(config.forced_eos_token_id),
    minLength: eos.length > 0 ? (config.min_length ?? 0) : 0,
    minNewTokens: eos.length > 0 ? (config.min_new_tokens ?? 0) : 0,
    noRepeatNgram: config.no_repeat_ngram_size ?? 0,
    repetitionPenalty: config.repetition_penalty ?? 1,
    suppress: config.suppress_tokens ?? [],
    beginSuppress: config.begin_suppress_tokens ?? [],
  };
}

/**
 * One row's history and the n-grams it has made (kept as it grows, not rebuilt each step as generate()
 * does): `tokens` starts with the start token.
 */
export class RowHistory {
  readonly tokens: number[];
  private readonly seen = new Set<number>();
  private readonly ngrams = new Map<string, Set<number>>();

  constructor(
    start: number,
    private readonly rules: GenerationRules,
  ) {
    this.tokens = [];
    this.push(start);
  }

  push(token: number): void {
    this.tokens.push(token);
    this.seen.add(token);
    const n = this.rules.noRepeatNgram;
    if (n > 0 && this.tokens.length >= n) {
      const key = this.tokens.slice(this.tokens.length - n, this.tokens.length - 1).join(',');
      let next = this.ngrams.get(key);
      if (!next) this.ngrams.set(key, (next = new Set()));
      next.add(token);
    }
  }

  /** Tokens that would repeat an n-gram already in the row. */
  banned(): Iterable<number> {
    const n = this.rules.noRepeatNgram;
    if (n <= 0 || this.tokens.length + 1 < n) return [];
    return this.ngrams.get(this.tokens.slice(this.tokens.length - (n - 1)).join(',')) ?? [];
  }

  /** Every distinct token so far (the repetition penalty's set). */
  distinct(): Iterable<number> {
    return this.seen;
  }
}

/**
 * Applies the rules to one row's logits (in place, in float32 as generate() does) and returns the greedy
 * token: the first index of the largest value.
 */
export function nextToken(logits: Float32Array, row: RowHistory, rules: GenerationRules): number {
  const length = row.tokens.length;
  if (rules.repetitionPenalty !== 1) {
    for (const token of row.distinct()) logits[token] = logits[token]! < 0 ? logits[token]! * rules.repetitionPenalty : logits[token]! / rules.repetitionPenalty;
  }
  for (const token of row.banned()) logits[token] = -Infinity;
  if (length < rules.minLength || length - 1 < rules.minNewTokens) for (const token of rules.eos) logits[token] = -Infinity;
  if (rules.forcedBos !== null && length === 1) forceOnly(logits, [rules.forcedBos]);
  if (rules.forcedEos !== null && length === rules.maxLength - 1) forceOnly(logits, rules.forcedEos);
  for (const token of rules.suppress) logits[token] = -Infinity;
  // generate() counts the begin index past a forced BOS when the prompt is the start token alone.
  const beginIndex = rules.forcedBos === null ? 1 : 2;
  if (length === beginIndex) for (const token of rules.beginSuppress) logits[token] = -Infinity;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

function forceOnly(logits: Float32Array, tokens: readonly number[]): void {
  logits.fill(-Infinity);
  for (const token of tokens) logits[token] = 0;
}

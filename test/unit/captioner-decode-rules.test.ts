// The own decode loop's token choice against transformers.js's own logits processors (the ones generate()
// builds, in its order) on thousands of seeded cases: ties, negative logits, repeated n-grams, forced and
// suppressed tokens, lengths at every boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GenerationConfig, PreTrainedModel, Tensor } from '@huggingface/transformers';
import { generationRules, nextToken, RowHistory, type GenerationConfigLike } from '../../src/core/captioner/local/decode/generation-rules.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

type Processors = (inputIds: bigint[][], logits: Tensor) => Tensor;
const getLogitsProcessor = (PreTrainedModel.prototype as unknown as { _get_logits_processor(config: GenerationConfig, inputLength: number): Processors })._get_logits_processor;

/** generate()'s pick: its processors on a [1, vocab] tensor, then the first index of the largest value. */
function transformersPick(config: GenerationConfigLike, history: number[], logits: Float32Array): number {
  const processors = getLogitsProcessor.call({}, new GenerationConfig(config as ConstructorParameters<typeof GenerationConfig>[0]), 1);
  const out = processors([history.map(BigInt)], new Tensor('float32', Float32Array.from(logits), [1, logits.length]));
  const data = out.data as Float32Array;
  let best = 0;
  for (let i = 1; i < data.length; i++) if (data[i]! > data[best]!) best = i;
  return best;
}

test('the greedy pick equals generate()\'s on 3,000 seeded cases covering every rule it honours', () => {
  const random = seededRandom(42);
  const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
  const vocab = 16;
  let forcedOrSuppressed = 0;
  for (let n = 0; n < 3000; n++) {
    const config: GenerationConfigLike = {
      max_length: 12,
      eos_token_id: pick([2, [2, 3]]),
      decoder_start_token_id: 2,
      repetition_penalty: pick([1, 1.3, 0.8]),
      no_repeat_ngram_size: pick([0, 2, 3]),
      min_length: pick([0, 5]),
      min_new_tokens: pick([0, 3]),
      forced_bos_token_id: pick([null, 7]),
      forced_eos_token_id: pick([null, 2]),
      suppress_tokens: pick([null, [5, 6]]),
      begin_suppress_tokens: pick([null, [9]]),
    };
    const rules = generationRules(config);
    if ('unsupported' in rules) throw new Error(rules.unsupported);
    // A history of 1 to 11 tokens from a small vocabulary, so n-grams repeat; logits with ties and signs.
    const history = [2, ...Array.from({ length: Math.floor(random() * 11) }, () => Math.floor(random() * vocab))];
    // A third of the rows all negative, where the penalty's sign rule decides.
    const shift = pick([0, 0, -5]);
    const logits = Float32Array.from({ length: vocab }, () => shift + Math.round((random() * 6 - 3) * 2) / 2);
    const row = new RowHistory(2, rules);
    for (const t of history.slice(1)) row.push(t);
    const ours = nextToken(Float32Array.from(logits), row, rules);
    assert.equal(ours, transformersPick(config, history, logits), `case ${n}: ${JSON.stringify({ config, history, logits: [...logits] })}`);
    if (history.length === 1 || history.length === 11) forcedOrSuppressed++;
  }
  assert.ok(forcedOrSuppressed > 300, 'the forced-token boundaries were reached often');
});

test('what greedy decoding cannot follow is named, and max_new_tokens counts after the start token', () => {
  assert.deepEqual(generationRules({ do_sample: true, decoder_start_token_id: 2 }), { unsupported: 'the generation config samples (do_sample)' });
  assert.match((generationRules({ bad_words_ids: [[4]], decoder_start_token_id: 2 }) as { unsupported: string }).unsupported, /bad_words_ids/);
  assert.match((generationRules({ eos_token_id: 2 }) as { unsupported: string }).unsupported, /decoder_start_token_id/);
  const rules = generationRules({ decoder_start_token_id: 2, max_length: 40, max_new_tokens: 5, eos_token_id: 2 });
  assert.ok(!('unsupported' in rules));
  assert.equal(rules.maxLength, 6);
});

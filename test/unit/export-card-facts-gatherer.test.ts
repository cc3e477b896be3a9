// The card's facts with the texts measured on their own thread equal those gathered on one thread, for
// records of every shape (no alt-text, blank and non-ASCII texts, looping captions, scores and a scoring
// model, missing images), held in bounded chunks, and a thread given up ends without an answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardFactsCollector, CardFactsGatherer } from '../../src/core/export/card/card-facts.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';

const LOOP = 'a red kite over the hill a red kite over the hill a red kite over the hill';

function record(i: number): ManifestRecord {
  const at = '2026-12-01T00:00:00.000Z';
  return {
    ...emptyRecord(`img/${String(i).padStart(5, '0')}.jpg`),
    ...(i % 97 === 0 ? { missing: true } : {}),
    ...(i % 3 === 0 ? { score_model: i % 2 ? 'clip-a' : 'clip-b' } : {}),
    alt: i % 5 === 0 ? null : { text: i % 7 === 0 ? '   ' : `alt ${i % 13} — café «ü» ${'word '.repeat(i % 9)}`, source: 'sidecar', ...(i % 4 === 0 ? { score: (i % 10) / 10 } : {}) },
    ssc: { text: `a dog ${i % 11}`, by: i % 4 === 0 ? 'human' : 'model', at, review: i % 3 === 0 ? 'approved' : i % 3 === 1 ? 'rejected' : null, model: 'm' },
    dsc: i % 17 === 0 ? null : { text: i % 6 === 0 ? LOOP : `The image shows ${'a long description '.repeat(1 + (i % 40))}.`, by: 'model', at, review: null, model: 'm', ...(i % 2 === 0 ? { score: (i % 10) / 10 } : {}) },
  };
}

test("the card's facts with the texts measured on their own thread equal those gathered on one thread", async () => {
  const here = new CardFactsCollector();
  const gatherer = new CardFactsGatherer();
  for (let i = 0; i < 10_000; i++) {
    here.add(record(i));
    await gatherer.add(record(i));
  }
  const expected = here.finish();
  assert.ok(expected.habit.sources.dsc.loops.count > 1000 && expected.habit.scoreModels.length === 2 && expected.habit.sources.alt.scores !== null, 'the records hit loops, scores and models');
  // A card counts the captions that loop, not which phrases loop (the thread is told so).
  assert.equal(expected.habit.sources.dsc.loops.top, null);
  assert.deepEqual(await gatherer.finish(), expected);
});

test('a card thread given up ends without an answer, and adding more after it never waits for it', async () => {
  const gatherer = new CardFactsGatherer();
  await gatherer.add(record(1));
  await gatherer.stop();
  // More than the chunks kept in flight: a caller that waited for a thread gone would never finish.
  for (let i = 0; i < 40_000; i++) await gatherer.add(record(i));
  await assert.rejects(gatherer.finish());
});

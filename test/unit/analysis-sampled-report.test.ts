// A habit report over a seeded sample of its records: the records sampled are measured in full (and their
// shares, phrases, loops and defect flags are exactly those of a report over them alone), every text is
// counted, and duplicates and scores stay those of the whole. The sample depends on the seed and the
// image's name only; a large export's card takes it on the texts' thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { captionTextsOf } from '../../src/core/analysis/caption-texts.js';
import { HabitReportBuilder, type HabitTextReport } from '../../src/core/analysis/habit-report.js';
import { RecordSample } from '../../src/core/analysis/record-sample.js';
import { exportFineTuneSet } from '../../src/core/export/index.js';
import { ExportTexts } from '../../src/core/export/texts-thread/export-texts.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';

const LOOP = 'a red kite over the hill a red kite over the hill a red kite over the hill';
const BOILERPLATE = 'A close up of a black background.';

function record(i: number): ManifestRecord {
  const at = '2026-12-01T00:00:00.000Z';
  return {
    ...emptyRecord(`img/${String(i).padStart(5, '0')}.jpg`),
    ...(i % 97 === 0 ? { missing: true } : {}),
    ...(i % 3 === 0 ? { score_model: 'clip-a' } : {}),
    alt: i % 5 === 0 ? null : { text: i % 7 === 0 ? '   ' : `Alt ${i % 13} café ${'word '.repeat(i % 9)}`, source: 'sidecar', ...(i % 4 === 0 ? { score: (i % 10) / 10 } : {}) },
    ssc: { text: i % 11 === 0 ? 'a dog' : `a dog ${i}`, by: 'model', at, review: null, model: 'm' },
    dsc: {
      // Repeated texts a sample could not count: one boilerplate caption, and pairs of identical ones.
      text: i % 10 === 0 ? BOILERPLATE : i % 6 === 0 ? LOOP : `The image shows ${'a long description '.repeat(1 + (i % 40))} number ${i >> 1}.`,
      by: 'model',
      at,
      review: null,
      model: 'm',
      ...(i % 2 === 0 ? { score: (i % 10) / 10 } : {}),
    },
  };
}

const RECORDS = 6000;

test('a record sample measures the share it is asked for, by seed and name alone', () => {
  const names = Array.from({ length: 100_000 }, (_, i) => `part${i % 100}/${String(i).padStart(6, '0')}.jpg`);
  const sample = new RecordSample({ seed: 1, records: 10_000 });
  assert.equal(sample.share, 1, 'every record until the pass says how many it expects');
  sample.expect(100_000);
  sample.expect(10);
  // 10,000 of 100,000 is a tenth: the share is the power of two below it.
  assert.equal(sample.share, 1 / 16, 'the first expectation fixes the share');
  const estimated = new RecordSample({ seed: 1, records: 10_000 });
  estimated.expect(97_000);
  assert.equal(estimated.share, 1 / 16, 'a count a few per cent off gives the same share');
  const chosen = names.filter((n) => sample.measures(n));
  // Binomial(100000, 1/16): sd 77.
  assert.ok(Math.abs(chosen.length - 6250) < 350, `${chosen.length} measured of 100000`);
  // Asked again, in another order, the same names.
  const again = new RecordSample({ seed: 1, records: 10_000 });
  again.expect(100_000);
  assert.deepEqual([...names].reverse().filter((n) => again.measures(n)), [...chosen].reverse());
  const other = new RecordSample({ seed: 2, records: 10_000 });
  other.expect(100_000);
  const both = chosen.filter((n) => other.measures(n)).length;
  assert.ok(both < 1200, `seeds 1 and 2 share ${both} of ${chosen.length} names (about 400 expected)`);
  const few = new RecordSample({ seed: 1, records: 10_000 });
  few.expect(10_000);
  assert.ok(names.every((n) => few.measures(n)), 'no more records than the sample: every one is measured');
});

test('a sampled report measures the sampled records exactly as a report of them alone, and counts texts, duplicates and scores over all', () => {
  const sample = new RecordSample({ seed: 5, records: 1000 });
  sample.expect(RECORDS);
  const whole = new HabitReportBuilder();
  const sampled = new HabitReportBuilder();
  const alone = new HabitReportBuilder();
  for (let i = 0; i < RECORDS; i++) {
    const texts = captionTextsOf(record(i));
    whole.addCaptionTexts(texts);
    if (sample.measures(texts.fileName)) {
      sampled.addCaptionTexts(texts);
      alone.addCaptionTexts(texts);
    } else {
      sampled.countCaptionTexts(texts);
    }
  }
  const all = whole.finishTexts();
  const part = sampled.finishTexts();
  const measured = alone.finishTexts();
  assert.equal(part.records, RECORDS);
  assert.equal(part.measuredRecords, measured.records);
  // 1000 of 6000: a share of 1/8, 750 records.
  assert.ok(part.measuredRecords > 550 && part.measuredRecords < 950, `${part.measuredRecords} measured`);
  assert.equal(all.measuredRecords, RECORDS, 'a report without a sample measures every record');
  for (const source of ['alt', 'ssc', 'dsc'] as const) {
    const p = part.sources[source];
    const m = measured.sources[source];
    const a = all.sources[source];
    assert.equal(p.count, a.count, `${source}: every text counted`);
    assert.equal(p.measured, m.count, `${source}: the sample's texts measured`);
    assert.ok(p.measured < p.count);
    assert.deepEqual(p.duplicates, a.duplicates, `${source}: duplicates over every text`);
    assert.deepEqual(p.scores, a.scores, `${source}: scores over every text`);
    const { count: _pc, measured: _pm, duplicates: _pd, scores: _ps, histogram: ph, ...pMeasures } = p;
    const { count: _mc, measured: _mm, duplicates: _md, scores: _ms, histogram: mh, ...mMeasures } = m;
    assert.deepEqual(pMeasures, mMeasures, `${source}: the measures are the sample's`);
    // Binned on the same shared bins when the longest text is in the sample (it is: lengths repeat).
    assert.deepEqual(ph, mh, `${source}: the length histogram is the sample's`);
  }
  assert.ok(all.sources.dsc.duplicates.top.some((d) => d.phrase === BOILERPLATE.toLowerCase()), 'the boilerplate caption leads the repeated texts');
  assert.deepEqual(part.defects, measured.defects, 'defect flags are counted over the sample');
  assert.deepEqual(part.scoreModels, all.scoreModels);
});

test("a card thread measuring a sample answers what the same sample gives on this thread", async () => {
  const options = { seed: 3, records: 1000 };
  const gatherer = new ExportTexts(options, null);
  const sample = new RecordSample(options);
  sample.expect(RECORDS);
  const here = new HabitReportBuilder({ loopPhrases: false });
  for (let i = 0; i < RECORDS; i++) {
    const r = record(i);
    await gatherer.add(r, { split: 'train', source: 'dsc', by: 'model', image: { width: r.width, height: r.height, sha256: r.sha256 } }, RECORDS);
    const texts = captionTextsOf(r);
    if (sample.measures(texts.fileName)) here.addCaptionTexts(texts);
    else here.countCaptionTexts(texts);
  }
  const { audit: _audit, ...habit } = (await gatherer.finish()).habit;
  const expected: HabitTextReport = here.finishTexts();
  assert.ok(expected.measuredRecords < RECORDS / 2);
  assert.deepEqual(habit, expected);
});

test("an export's card says when its habits were measured over a sample, and export.json records the sample's size", async () => {
  const store = await makeDataset(approvedImages(60));
  const cardOf = async (cardSample: number | null | undefined) => {
    const out = path.join(await tempDir('card-sample'), 'out');
    const { record: exported } = await exportFineTuneSet({ store, out, profile: 't2i', format: 'hf', images: 'none', cardSample });
    return { card: await fs.readFile(path.join(out, 'README.md'), 'utf8'), exported };
  };
  const sampled = await cardOf(20);
  assert.equal(sampled.exported.card_sample, 20);
  const measured = /Measured over a seeded sample of (\d+) of the 60 exported images' texts/.exec(sampled.card);
  assert.ok(measured, 'the card names the sample');
  // 20 of 60: a share of 1/4, 15 images.
  assert.ok(Number(measured[1]) > 3 && Number(measured[1]) < 30, `${measured[1]} of 60 measured`);
  assert.match(sampled.card, /the counts of texts and of identical texts cover all 60/);
  assert.match(sampled.card, /\| texts measured \(seeded sample\) \|/);
  assert.match(sampled.card, /\| source \| phrase \| texts in the sample \| share \|/);
  for (const cardSample of [null, undefined]) {
    const whole = await cardOf(cardSample);
    assert.equal(whole.exported.card_sample, cardSample === null ? null : 100_000);
    assert.match(whole.card, /Measured over the 60 exported images' texts/);
    assert.doesNotMatch(whole.card, /seeded sample of|texts measured|in the sample/);
  }
  for (const bad of [0, 1.5, -3]) {
    await assert.rejects(exportFineTuneSet({ store, out: path.join(await tempDir('card-sample'), 'out'), profile: 't2i', format: 'hf', images: 'none', cardSample: bad }), { code: 'bad-option' });
  }
});

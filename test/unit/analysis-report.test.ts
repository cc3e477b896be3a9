// The habit report on a small fixed set; every expected number below was worked out by hand from the
// texts (see the comments), not produced by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHabitReport, formatHabitReport, percentile, sharedBins, summarize } from '../../src/core/analysis/index.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import fc from 'fast-check';
import { topCounts } from '../../src/core/analysis/top-counts.js';

function rec(name: string, alt: string | null, ssc: string | null, dsc: string | null): ManifestRecord {
  const c = (text: string | null) => (text === null ? null : { text, by: 'model' as const, model: 'm', review: null });
  return { ...emptyRecord(name), alt: alt === null ? null : { text: alt, source: 'sidecar' }, ssc: c(ssc), dsc: c(dsc) };
}

const FIXED: ManifestRecord[] = [
  rec('a.png', 'A red barn in a field', 'a red barn', 'The image shows a red barn in a green field. The overall mood is calm.'),
  rec('b.png', 'sunset over the sea', 'a sunset over the sea', 'The image shows a sunset over the sea. The sea is calm. The sea is calm.'),
  rec('c.png', 'Two dogs playing.', 'a red barn', 'The image shows two dogs playing on grass.'),
  rec('d.png', 'the old bridge', 'an old bridge', 'The image shows an old stone bridge over a river.'),
  rec('e.png', null, 'A cat', null),
  rec('f.png', 'City at night', null, 'A city skyline at night with bright lights.'),
  rec('g.png', '   ', '', null), // blank texts are not texts
];

test('length numbers: mean, median, nearest-rank p10/p90, shared bins', () => {
  assert.deepEqual(summarize([6, 4, 3, 3, 3]), { mean: 3.8, median: 3, p10: 3, p90: 6, min: 3, max: 6 });
  assert.deepEqual(summarize([1, 2, 3, 4]), { mean: 2.5, median: 2.5, p10: 1, p90: 4, min: 1, max: 4 });
  // 20 values 1..20: p10 is the 2nd, p90 the 18th.
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(percentile(twenty, 10), 2);
  assert.equal(percentile(twenty, 90), 18);
  assert.equal(sharedBins(16).length, 17); // width 1: 0..16
  assert.deepEqual(sharedBins(16, 5), [
    { from: 0, to: 5 },
    { from: 5, to: 10 },
    { from: 10, to: 15 },
    { from: 15, to: 20 },
  ]);
  assert.deepEqual(sharedBins(0), [{ from: 0, to: 1 }]);
});

test('habit report numbers match the hand count on a fixed set', () => {
  const report = computeHabitReport(FIXED, { minCount: 5, maxBins: 5 });
  assert.equal(report.records, 7);
  const { alt, ssc, dsc } = report.sources;

  // alt: lengths 6 4 3 3 3; "A", "the" open with an article; only "Two dogs playing." ends with "."; A/Two/City capitalised.
  assert.equal(alt.count, 5);
  assert.deepEqual(alt.words, { mean: 3.8, median: 3, p10: 3, p90: 6, min: 3, max: 6 });
  assert.equal(alt.startsWithArticle, 0.4);
  assert.equal(alt.endsWithPeriod, 0.2);
  assert.equal(alt.capitalised, 0.6);
  assert.deepEqual(alt.openings.map((p) => p.phrase), ['a red barn', 'city at night', 'sunset over the', 'the old bridge', 'two dogs playing']);
  assert.deepEqual(alt.closings.map((p) => p.phrase), ['city at night', 'in a field', 'over the sea', 'the old bridge', 'two dogs playing']);
  assert.equal(alt.loops.count, 0);
  assert.equal(alt.duplicates.count, 0);

  // SSC: lengths 3 5 3 3 2; all open with an article; none end with "."; only "A cat" capitalised; "a red barn" twice.
  assert.equal(ssc.count, 5);
  assert.deepEqual(ssc.words, { mean: 3.2, median: 3, p10: 2, p90: 5, min: 2, max: 5 });
  assert.equal(ssc.startsWithArticle, 1);
  assert.equal(ssc.endsWithPeriod, 0);
  assert.equal(ssc.capitalised, 0.2);
  assert.deepEqual(ssc.openings[0], { phrase: 'a red barn', count: 2, share: 0.4 });
  assert.deepEqual(ssc.duplicates, { count: 2, share: 0.4, top: [{ phrase: 'a red barn', count: 2, share: 0.4 }] });

  // DSC: lengths 15 16 8 10 8; four open with "the image shows"; b.png says "the sea is calm" twice.
  assert.equal(dsc.count, 5);
  assert.deepEqual(dsc.words, { mean: 11.4, median: 10, p10: 8, p90: 16, min: 8, max: 16 });
  assert.equal(dsc.startsWithArticle, 1);
  assert.equal(dsc.endsWithPeriod, 1);
  assert.equal(dsc.capitalised, 1);
  assert.deepEqual(dsc.openings[0], { phrase: 'the image shows', count: 4, share: 0.8 });
  assert.equal(dsc.loops.count, 1);
  assert.equal(dsc.loops.share, 0.2);
  assert.deepEqual(dsc.loops.examples, [{ fileName: 'b.png', ngram: 'the sea is calm', times: 2 }]);
  assert.deepEqual(dsc.loops.top, [{ phrase: 'the sea is calm', count: 1, share: 0.2 }]);
  assert.equal(dsc.duplicates.count, 0);

  // Bins of width 5 up to the longest text (16 words).
  assert.deepEqual(report.bins.map((b) => b.from), [0, 5, 10, 15]);
  assert.deepEqual(alt.histogram, [4, 1, 0, 0]);
  assert.deepEqual(ssc.histogram, [4, 1, 0, 0]);
  assert.deepEqual(dsc.histogram, [0, 2, 1, 2]);

  // Flags, by the default thresholds: share gaps >= 0.3; stock phrase >= 20% used at least twice and 3x the
  // alt share; loops >= 2% and 2x alt; duplicates >= 10% and 2x alt; spread (p90-p10)/median < half of alt's (1.0).
  const flags = report.flags.map((f) => `${f.source} ${f.habit}`);
  assert.deepEqual(flags, [
    'ssc article-opening', // 1.0 vs 0.4
    'ssc capitalisation', // 0.2 vs 0.6 (period 0 vs 0.2 is not sharp)
    'ssc stock-closing', // "a red barn" 40% of closings, 0% of alt closings; as an opening it is 40% vs 20%: not 3x
    'ssc duplicates', // 40% vs 0%
    'dsc article-opening',
    'dsc trailing-period', // 1.0 vs 0.2
    'dsc capitalisation', // 1.0 vs 0.6
    'dsc stock-opening', // "the image shows" 80% vs 0%
    'dsc loops', // 20% vs 0%
  ]);
  const stock = report.flags.find((f) => f.habit === 'stock-opening')!;
  assert.equal(stock.message, '80% of DSCs open with "the image shows" (alt-texts: 0%)');
});

test('no flags below the minimum count; a store is accepted as the source; the text report names the numbers', async () => {
  assert.deepEqual(computeHabitReport(FIXED).flags, []); // default minCount 20
  const store = ManifestStore.fromText('/nowhere', FIXED.map((r) => JSON.stringify(r)).join('\n'));
  const report = computeHabitReport(store, { minCount: 5 });
  assert.equal(report.sources.dsc.words.mean, 11.4);
  const text = formatHabitReport(report);
  assert.match(text, /Caption habits over 7 images/);
  assert.match(text, /starts with a\/an\/the\s+40\.0%\s+100\.0%\s+100\.0%/);
  assert.match(text, /words: mean\s+3\.8\s+3\.2\s+11\.4/);
  assert.match(text, /! 80% of DSCs open with "the image shows"/);
  assert.match(text, /b\.png: "the sea is calm" x2/);
  const empty = formatHabitReport(computeHabitReport([]));
  assert.match(empty, /over 0 images/);
});

test('a loop of a whole phrase is caught; natural text is not', () => {
  const looping = rec('x.png', null, null, 'a cat on a mat, a cat on a mat, a cat on a mat');
  const natural = rec('y.png', null, null, 'A cat sits on a mat next to a dog on a rug.');
  const report = computeHabitReport([looping, natural]);
  assert.equal(report.sources.dsc.loops.count, 1);
  assert.deepEqual(report.sources.dsc.loops.examples?.[0], { fileName: 'x.png', ngram: 'a cat on a', times: 3 });
});

test('too few texts to judge is said, not reported as "no sharp differences" (4 alt-texts, 13 SSCs)', () => {
  const records = Array.from({ length: 13 }, (_, i) => rec(`r${i}.png`, i < 4 ? `photo ${i}` : null, `a cat number ${i}`, null));
  const report = computeHabitReport(records);
  assert.deepEqual(report.flags, []);
  assert.deepEqual(report.notes, ['too few SSCs to judge: 13, and 20 are needed']);
  const text = formatHabitReport(report);
  assert.doesNotMatch(text, /no sharp differences/);
  assert.match(text, /^note: too few SSCs to judge: 13, and 20 are needed$/m);
  // 25 SSCs but still 4 alt-texts: judged, and the report says against what.
  const more = Array.from({ length: 25 }, (_, i) => rec(`r${i}.png`, i < 4 ? `photo ${i}` : null, `a cat number ${i}`, null));
  const judged = computeHabitReport(more);
  assert.deepEqual(judged.notes, ['too few alt-texts to compare with (4; 20 are needed): habits were judged on the synthetic captions alone']);
});

test('the report carries the score distribution per source, the defect flag counts and the audit', () => {
  // DSC scores 0.10, 0.20, 0.30, 0.40 (mean 0.25, median 0.25); SSC scores on two of them only.
  const records = [0.1, 0.2, 0.3, 0.4].map((score, i) => {
    const r = rec(`s${i}.png`, 'alt text', 'a red barn', 'The image shows a red barn in a field.');
    r.dsc!.score = score;
    if (i < 2) r.ssc!.score = 0.5;
    r.score_model = 'tiny-clip';
    if (i === 0) {
      r.audit = true;
      r.dsc!.review = 'approved';
      r.ssc!.review = 'approved';
    }
    return r;
  });
  const report = computeHabitReport(records);
  assert.deepEqual(report.scoreModels, ['tiny-clip']);
  assert.equal(report.sources.dsc.scores!.count, 4);
  assert.ok(Math.abs(report.sources.dsc.scores!.summary.mean - 0.25) < 1e-9);
  assert.equal(report.sources.ssc.scores!.count, 2);
  assert.equal(report.sources.alt.scores, null);
  // Every DSC opens with "The image shows": four stock phrases.
  assert.equal(report.defects.counts['stock-phrase'], 4);
  assert.equal(report.audit.sampled, 1);
  assert.equal(report.audit.accepted, 1);
  const text = formatHabitReport(report);
  assert.match(text, /^score: mean \/ median\s+–\s+0\.500 \/ 0\.500\s+0\.250 \/ 0\.250$/m);
  assert.match(text, /^score: p10 – p90\s+–\s+0\.500 – 0\.500\s+0\.100 – 0\.400$/m);
  assert.match(text, /stock opening or closing phrase: 4/);
  assert.match(text, /audit sample: 1 images, 1 reviewed, 1 accepted/);
});

test('the top phrases are the full sort by count, then code-unit order, cut at the top (any counts, ties, minimum)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 1, max: 6 })), { maxLength: 60 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 3 }), (entries, top, minCount) => {
      const counts = new Map(entries);
      const plain = [...counts]
        .filter(([, count]) => count >= minCount)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([phrase, count]) => ({ phrase, count, share: count / 100 }));
      assert.deepEqual(topCounts(counts, 100, top, minCount), plain);
    }),
  );
});

test('the top list of duplicates is exact when thousands of texts repeat: a text dropped while it was rare comes back as it grows', () => {
  // In stream order: ten texts five times each; eight texts twice each; 6,000 texts twice each (more
  // repeated texts than are kept at once, so the rare ones, the eight among them, are dropped); then the
  // eight 30 times more, in other cases and spacing. The list: the eight (32 each), then two of the ten
  // tied at 5, in code-unit order.
  const dscs: string[] = [];
  const repeat = (text: (k: number) => string, times: number) => {
    for (let k = 0; k < times; k++) dscs.push(text(k));
  };
  for (let m = 0; m < 10; m++) repeat(() => `medium caption ${m}`, 5);
  for (let h = 0; h < 8; h++) repeat(() => `heavy caption ${h}`, 2);
  for (let r = 0; r < 6000; r++) repeat(() => `rare caption ${r}`, 2);
  for (let h = 0; h < 8; h++) repeat((k) => (k % 2 ? `Heavy  Caption ${h}` : ` heavy caption ${h} `), 30);
  const records = dscs.map((dsc, i) => rec(`${String(i).padStart(6, '0')}.png`, null, null, dsc));
  const { duplicates } = computeHabitReport(records).sources.dsc;
  const total = dscs.length;
  const expected = [...Array.from({ length: 8 }, (_, h) => [`heavy caption ${h}`, 32] as const), ['medium caption 0', 5] as const, ['medium caption 1', 5] as const];
  assert.deepEqual(
    duplicates.top,
    expected.map(([phrase, count]) => ({ phrase, count, share: count / total })),
  );
  assert.equal(duplicates.count, total);
});

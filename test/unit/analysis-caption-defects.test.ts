// The habit report counts the defect flags from the scans its measures took (caption-defects.ts); those
// counts must equal the stats pass's, which scans each record on its own (DefectCounter.add), for records
// made to reach every flag: loops, stock phrases, captions cut short, SSCs longer than their DSCs, no shared
// word, length outliers, low scores, blank and non-ASCII texts, and images that are not there. A report
// without loop phrases (a dataset card's) must say the same of the same records, less the loop lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHabitReport, TEXT_SOURCES, type HabitReport } from '../../src/core/analysis/habit-report.js';
import { DefectCounter } from '../../src/core/dataset/defect-counter.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

const WORDS = ['a', 'The', 'cat', 'dog', 'on', 'red', 'sofa,', 'naïve', 'café', '😀', '(x)', 'the image shows', 'in the background', '.', 'grass'];

function textOf(random: () => number, words: number): string {
  const vocabulary = Array.from({ length: 2 + Math.floor(random() * 6) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  const text = Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]!).join(' ');
  // Blank texts, stock openings and closings now and then.
  const r = random();
  return r < 0.05 ? '  ' : r < 0.1 ? `The image shows ${text}` : r < 0.15 ? `${text}. The overall mood is calm.` : text;
}

function recordOf(random: () => number, i: number): ManifestRecord {
  const caption = (words: number): Caption | null =>
    random() < 0.1 ? null : { text: textOf(random, words), by: 'model', model: 'm', review: null, finish: random() < 0.1 ? 'length' : random() < 0.5 ? 'eos' : undefined, score: random() < 0.7 ? Math.round(random() * 100) / 100 : undefined };
  const alt = random() < 0.2 ? null : { text: textOf(random, Math.floor(random() * 8)), source: 'sidecar' as const, score: random() < 0.5 ? random() : undefined };
  // Lengths mostly alike with a few far out, so the length fences flag some.
  const long = random() < 0.02 ? 200 : 0;
  return { ...emptyRecord(`${i}.png`), alt, ssc: caption(1 + Math.floor(random() * 12)), dsc: caption(long + 5 + Math.floor(random() * 30)), missing: random() < 0.05 ? true : undefined };
}

for (const seed of [1, 2, 3]) {
  test(`the report's defect flags equal the stats pass's, record by record (seed ${seed})`, () => {
    const random = seededRandom(seed);
    const records = Array.from({ length: 3000 }, (_, i) => recordOf(random, i));
    const counter = new DefectCounter();
    for (const record of records) if (!record.missing) counter.add(record);
    const expected = counter.summary();
    assert.deepEqual(computeHabitReport(records).defects, expected);
    // Every flag is reached, so the comparison covers each one.
    for (const [flag, n] of Object.entries(expected.counts)) assert.ok(n > 0, `no record has ${flag}`);
    // Loops of another length in the report leave the flags as they are.
    assert.deepEqual(computeHabitReport(records, { loopN: 2 }).defects, expected);
  });

  test(`a report without loop phrases (a dataset card's) is the full report less its loop lists (seed ${seed})`, () => {
    const random = seededRandom(seed);
    const records = Array.from({ length: 3000 }, (_, i) => recordOf(random, i));
    const full = computeHabitReport(records);
    const card = computeHabitReport(records, { loopPhrases: false });
    for (const source of TEXT_SOURCES) {
      const loops = full.sources[source].loops;
      assert.ok(loops.top && loops.top.length > 0 && loops.examples && loops.examples.length > 0, `the full report lists ${source} loops`);
      assert.ok(loops.count > 0, `some ${source} texts loop`);
      assert.deepEqual(card.sources[source].loops, { ...loops, top: null, examples: null });
    }
    const without = (report: HabitReport) => ({ ...report, options: null, sources: Object.fromEntries(TEXT_SOURCES.map((s) => [s, { ...report.sources[s], loops: null }])) });
    assert.deepEqual(without(card), without(full));
    assert.equal(card.options.loopPhrases, false);
  });
}

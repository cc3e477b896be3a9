// Defect flags on hand-made records: each flag on a record made to have it and not on its near twin; the
// dataset's flags (length outliers, lowest scores) against fences worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDefectBits } from '../../src/core/dataset/defect-bits.js';
import { DefectCounter } from '../../src/core/dataset/defect-counter.js';
import { flagsOfBits } from '../../src/shared/defect-flags.js';
import { emptyRecord, type Caption, type ManifestRecord } from '../../src/shared/record.js';

const cap = (text: string, extra: Partial<Caption> = {}): Caption => ({ text, by: 'model', review: null, ...extra });

function rec(ssc: string | null, dsc: string | null, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  return { ...emptyRecord('x.png'), ssc: ssc === null ? null : cap(ssc), dsc: dsc === null ? null : cap(dsc), ...extra };
}

const own = (r: ManifestRecord) => flagsOfBits(ownDefectBits(r));

test('a clean pair has no flag', () => {
  assert.deepEqual(own(rec('red barn', 'A red barn stands in a green field under a blue sky.')), []);
});

test('token limit: only a caption whose generation ended at the limit', () => {
  const cut = rec('red barn', null);
  cut.ssc!.finish = 'length';
  assert.deepEqual(own(cut), ['length-limit']);
  const ended = rec('red barn', null);
  ended.ssc!.finish = 'eos';
  assert.deepEqual(own(ended), []);
});

test('repetition loop: a four-word phrase twice inside one caption', () => {
  assert.deepEqual(own(rec(null, 'A dog on a red mat and a dog on a red mat')), ['repetition']);
  // Three words repeated is not yet a loop.
  assert.deepEqual(own(rec(null, 'A dog on grass and a dog on sand')), []);
});

test('stock phrase: an opening or a closing sentence the normalizers would remove', () => {
  assert.deepEqual(own(rec(null, 'The image shows a barn.')), ['stock-phrase']);
  assert.deepEqual(own(rec(null, 'A barn at dusk. Overall, the scene is calm.')), ['stock-phrase']);
  assert.deepEqual(own(rec(null, 'A barn at dusk. The sky is orange.')), []);
});

test('SSC longer than its DSC, and an SSC that shares no content word with its DSC', () => {
  assert.deepEqual(own(rec('a big red barn in a field', 'red barn')), ['ssc-longer']);
  assert.deepEqual(own(rec('a cat', 'A wooden boat on a lake at dawn.')), ['no-shared-words']);
  // Function words do not count as shared: "a" and "on" are in both.
  assert.deepEqual(own(rec('a cat on a sofa', 'A wooden boat on a lake at dawn.')), ['no-shared-words']);
  // Counts are content: "two" is shared.
  assert.deepEqual(own(rec('two cats', 'Two wooden boats on a lake at dawn.')), []);
  // Either caption missing or blank: nothing to compare.
  assert.deepEqual(own(rec('a cat', null)), []);
  assert.deepEqual(own(rec('a cat', '  ')), []);
});

test('length outliers: Tukey far-out fences per text kind, only with enough texts', () => {
  const counter = new DefectCounter();
  // 24 DSCs of 10 words, and one of 60 words: Q1 = Q3 = 10, IQR 0, fences [10, 10].
  const ten = 'one two three four five six seven eight nine ten';
  for (let i = 0; i < 24; i++) counter.add(rec(null, ten));
  counter.add(rec(null, Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ')));
  const { counts, thresholds } = counter.summary();
  assert.deepEqual(thresholds.length.dsc, { low: 10, high: 10 });
  assert.equal(thresholds.length.ssc, null, 'no SSCs: no fence');
  assert.equal(counts['length-outlier'], 1);
  assert.deepEqual(flagsOfBits(counter.bits().at(-1)!), ['length-outlier']);

  // Fewer texts than minTexts: nothing is called an outlier.
  const few = new DefectCounter();
  for (let i = 0; i < 5; i++) few.add(rec(null, ten));
  few.add(rec(null, ten + ' ' + ten + ' ' + ten));
  assert.equal(few.summary().counts['length-outlier'], 0);
});

test('lowest scores: the bottom 5% of each kind (nearest rank), only where scores exist', () => {
  const counter = new DefectCounter();
  // 40 SSC scores 0.01..0.40: the 5th percentile by nearest rank is the 2nd value, 0.02.
  for (let i = 1; i <= 40; i++) counter.add(rec('red barn', null, { ssc: cap('red barn', { score: i / 100 }) }));
  const summary = counter.summary();
  assert.equal(summary.thresholds.lowScore.ssc, 0.02);
  assert.equal(summary.thresholds.lowScore.dsc, null);
  assert.equal(summary.counts['low-score'], 2);
  assert.equal(summary.flagged, 2);
});

test('the flag filter over an indexed manifest: nothing before the pass, each flag after it, edits and saves kept', async () => {
  const { ManifestStore } = await import('../../src/core/dataset/manifest-store.js');
  const { EMPTY_QUERY } = await import('../../src/shared/record-query.js');
  const lines = [
    rec('red barn', 'The image shows a red barn.'), // stock phrase
    rec('a big red barn in a field', 'red barn'), // SSC longer
    rec('red barn', 'A red barn in a field.'), // none
  ].map((r, i) => JSON.stringify({ ...r, file_name: `${i}.png` }));
  const store = ManifestStore.fromText('/nowhere', lines.join('\n') + '\n');
  const match = (flag: 'flagged' | 'stock-phrase' | 'ssc-longer') => Array.from(store.matchPositions({ ...EMPTY_QUERY, flag }));
  assert.deepEqual(match('flagged'), [], 'unknown flags are not shown as flagged');
  await store.computeDefects();
  assert.deepEqual(match('flagged'), [0, 1]);
  assert.deepEqual(match('stock-phrase'), [0]);
  assert.deepEqual(match('ssc-longer'), [1]);
  // A person rewrites the DSC of 0.png: its flag goes with the old text.
  store.writeHumanCaption('0.png', 'dsc', 'A red barn under a grey sky.');
  assert.deepEqual(match('flagged'), [1]);
  // A new record after the pass gets its flags as it arrives.
  store.put({ ...rec('cat', 'The image shows a cat.'), file_name: '3.png' });
  assert.deepEqual(match('stock-phrase'), [3]);
});

test("the index's flag pass flags the dataset's length outliers and lowest scores too, and an edit is judged against the same fences", async () => {
  const { ManifestStore } = await import('../../src/core/dataset/manifest-store.js');
  const { EMPTY_QUERY } = await import('../../src/shared/record-query.js');
  const { defectBitsOf } = await import('../../src/core/dataset/defect-bits.js');
  // 40 DSCs of 6 words scored 0.11..0.50, and one of 60 words: far outside Tukey's fences (6 ± 0).
  const records = Array.from({ length: 40 }, (_, i) => ({ ...rec(null, null), file_name: `${i}.png`, dsc: cap('red barn in a green field', { score: 0.1 + (i + 1) / 100 }) }));
  records.push({ ...rec(null, null), file_name: '40.png', dsc: cap(Array.from({ length: 12 }, () => 'red barn in a field').join(' '), { score: 0.3 }) });
  const store = ManifestStore.fromText('/nowhere', records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const match = (flag: 'length-outlier' | 'low-score') => Array.from(store.matchPositions({ ...EMPTY_QUERY, flag }), (p) => store.names()[p]).sort();
  assert.equal(store.defectThresholds, null);
  await store.computeDefects();
  assert.deepEqual(store.defectThresholds!.length.dsc, { low: 6, high: 6 });
  assert.deepEqual(match('length-outlier'), ['40.png']);
  // The 5th percentile of 41 scores by nearest rank is the 3rd lowest: 0.13.
  assert.deepEqual(match('low-score'), ['0.png', '1.png', '2.png']);
  // The long DSC is cut by a person: flagged against the same fences, it is no outlier now.
  store.writeHumanCaption('40.png', 'dsc', 'red barn in a green field');
  assert.deepEqual(match('length-outlier'), []);
  assert.equal(flagsOfBits(defectBitsOf(store.get('0.png')!, store.defectThresholds)).join(), 'low-score');
  assert.equal(flagsOfBits(defectBitsOf(store.get('0.png')!, null)).join(), '', 'without the pass, only own flags');
});

// The habit report's measures from one token scan equal their plain definitions (text-features.ts), for
// texts made to hit the edges: punctuation around and inside words, every kind of ASCII space, case, loops
// of every length, and texts that are not ASCII (measured the plain way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextMeasurer } from '../../src/core/analysis/text-measures.js';
import { identityHash } from '../../src/core/text/identity-hash.js';
import { computeHabitReport } from '../../src/core/analysis/habit-report.js';
import { topCounts } from '../../src/core/analysis/top-counts.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

const PIECES = ['a', 'an', 'The', 'the', 'cat', 'CAT', 'dog,', '"quoted"', '(x)', '...', '-', "it's", 'e.g.', '42', 'x2', 'A.', 'é', 'naïve', '😀', ' ', '  ', '\t', '\n', '\r\n', '\v', '\f', ' \u00a0 '];

test('scan measures equal the plain ones, ASCII or not', () => {
  const random = seededRandom(26);
  const measurer = new TextMeasurer(4, 2, 3);
  const texts = ['one', 'a cat', ' a cat sat on a mat a cat sat on a mat ', 'A, b. c! A, b. c! A, b. c!', '... , ;', 'x'];
  for (let i = 0; i < 4000; i++) {
    const words = Math.floor(random() * 40);
    // Loops: a few pieces, repeated.
    const vocabulary = Array.from({ length: 2 + Math.floor(random() * 8) }, () => PIECES[Math.floor(random() * PIECES.length)]!);
    const asciiOnly = i % 3 !== 0;
    const pick = () => {
      const p = vocabulary[Math.floor(random() * vocabulary.length)]!;
      return asciiOnly ? p.replace(/[^\x00-\x7f]/g, 'z') : p;
    };
    texts.push(Array.from({ length: words }, () => pick()).join(random() < 0.5 ? ' ' : '  '));
  }
  for (const text of texts) {
    if (text.trim() === '') continue;
    assert.deepEqual(measurer.measure(text), measurer.plain(text), JSON.stringify(text));
    assert.equal(measurer.measure(text).identityHash, identityHash(text));
  }
});

test('hash counts count as a Map would, through growth', async () => {
  const { HashCounts } = await import('../../src/core/analysis/text-measures.js');
  const random = seededRandom(5);
  const counts = new HashCounts();
  const plain = new Map<number, number>();
  for (let i = 0; i < 50_000; i++) {
    const key = Math.floor(random() * (i % 2 === 0 ? 1000 : 2 ** 53));
    const expected = (plain.get(key) ?? 0) + 1;
    plain.set(key, expected);
    assert.equal(counts.bump(key), expected);
  }
  for (const [key, n] of plain) assert.equal(counts.get(key), n);
  assert.deepEqual([...counts.values()].sort((a, b) => a - b), [...plain.values()].sort((a, b) => a - b));
});

test('a report counts openings, closings and loops by id as the plain measures count them by string, and picks the same loop examples', () => {
  const random = seededRandom(31);
  const options = { loopN: 2, loopMinTimes: 2, top: 10_000 };
  const plain = new TextMeasurer(options.loopN, options.loopMinTimes, 3);
  const records: ManifestRecord[] = [];
  const openings = new Map<string, number>();
  const closings = new Map<string, number>();
  const loops = new Map<string, number>();
  const examples: { fileName: string; ngram: string; times: number }[] = [];
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (let i = 0; i < 3000; i++) {
    const vocabulary = Array.from({ length: 2 + Math.floor(random() * 6) }, () => PIECES[Math.floor(random() * PIECES.length)]!);
    // Two thirds ASCII (the scan's path), a third as picked (the plain path), sharing phrases between them.
    const ascii = i % 3 !== 0;
    const text = Array.from({ length: 1 + Math.floor(random() * 30) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!)
      .map((p) => (ascii ? p.replace(/[^\x00-\x7f]/g, 'z') : p))
      .join(' ');
    if (text.trim() === '') continue;
    const fileName = `${i}.png`;
    records.push({ ...emptyRecord(fileName), dsc: { text, by: 'model', model: 'm', review: null } });
    const m = plain.plain(text);
    bump(openings, m.opening);
    bump(closings, m.closing);
    for (const r of m.repeats) bump(loops, r.ngram);
    if (m.repeats[0]) examples.push({ fileName, ...m.repeats[0] });
  }
  const dsc = computeHabitReport(records, options).sources.dsc;
  const total = dsc.count;
  assert.deepEqual(dsc.openings, topCounts(openings, total, options.top));
  assert.deepEqual(dsc.closings, topCounts(closings, total, options.top));
  assert.deepEqual(dsc.loops.top, topCounts(loops, total, options.top));
  assert.ok(dsc.loops.top.length > 20, 'the texts loop');
  const best = examples.sort((a, b) => b.times - a.times || (a.fileName < b.fileName ? -1 : 1)).slice(0, options.top);
  assert.deepEqual(dsc.loops.examples, best);
  // A top of 10 keeps the ten best of the same examples, however they were cut on the way.
  assert.deepEqual(computeHabitReport(records, { ...options, top: 10 }).sources.dsc.loops.examples, best.slice(0, 10));
});

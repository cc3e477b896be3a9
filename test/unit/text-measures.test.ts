// The habit report's measures from one token scan equal their plain definitions (text-features.ts), for
// texts made to hit the edges: punctuation around and inside words, every kind of ASCII space, case, loops
// of every length, and texts that are not ASCII (measured the plain way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestRepeat, TextMeasurer, textHash } from '../../src/core/analysis/text-measures.js';
import { identityKey } from '../../src/core/text/text-features.js';
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
    assert.equal(measurer.measure(text).identityHash, textHash(identityKey(text)));
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

test('the unordered measures hold the same repeats, and bestRepeat picks the first of the ordered ones', () => {
  const random = seededRandom(31);
  const measurer = new TextMeasurer(2, 2, 3);
  for (let i = 0; i < 3000; i++) {
    const vocabulary = Array.from({ length: 2 + Math.floor(random() * 6) }, () => PIECES[Math.floor(random() * PIECES.length)]!);
    const text = Array.from({ length: Math.floor(random() * 30) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!).join(' ');
    const ordered = measurer.plain(text).repeats;
    const unordered = measurer.measureUnordered(text).repeats;
    assert.deepEqual([...unordered].sort((x, y) => y.times - x.times || (x.ngram < y.ngram ? -1 : 1)), ordered, JSON.stringify(text));
    assert.deepEqual(bestRepeat(unordered), ordered[0], JSON.stringify(text));
  }
});

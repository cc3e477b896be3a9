// A text's identity hash, taken four bytes at a time on the way (ASCII lower-cased, a text that is not its
// own identity sent the plain way), equals the plain definition, the hash of identityKey(text), for every
// spacing, case, control and script, at every offset within a word of four bytes: duplicates counted from
// either path meet in one table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identityHash, IdentityHasher } from '../../src/core/text/identity-hash.js';
import { identityKey } from '../../src/core/text/text-features.js';

const CASES = [
  '',
  ' ',
  ' \t\n\v\f\r ',
  'a',
  'A red kite',
  '  A  red\tkite\n\nover   the hill.  ',
  'a red kite over the hill',
  'A RED KITE over the HILL',
  ', - ; !',
  'word\u000bword\u000cword',
  'nul\u0000 and del\u007f are not spaces',
  '@[`{ are not letters: AZaz',
  'caf\u00e9 au lait',
  'non\u00a0breaking\u2003spaces\u3000here',
  'Stra\u00dfe \u0130stanbul \u03a3\u0399\u03a3',
  'emoji \u{1F408} cat \u{1F408}',
  'lone \ud800 surrogate',
  'lone \udc00 surrogate',
  'x'.repeat(5000),
  `${'a long caption '.repeat(400)}end`,
];

/** The plain definition, spelled out: identityKey's hash, taken by the hasher without its fast path. */
function plain(text: string): number {
  return new IdentityHasher().hashKey(identityKey(text));
}

test('the identity hash equals the plain definition for every spacing, case, control and script', () => {
  const hasher = new IdentityHasher();
  for (const text of CASES) {
    assert.equal(hasher.hash(text), plain(text), JSON.stringify(text.slice(0, 60)));
    assert.equal(identityHash(text), plain(text));
  }
});

test('each irregularity is caught at every offset within a word: a double space, a control, a capital, a space at either end', () => {
  const hasher = new IdentityHasher();
  const base = 'the quick brown fox jumps over';
  for (let at = 0; at <= base.length; at++) {
    for (const insert of ['  ', ' ', '\t', '\n', '\u0000', '\u001f', 'A', 'Z', '@', '[', '\u007f', '\u00e9']) {
      const text = base.slice(0, at) + insert + base.slice(at);
      assert.equal(hasher.hash(text), plain(text), JSON.stringify(text));
      // And over the text's length mod 4, so that it falls in the last partial word too.
      for (let cut = 1; cut <= 3; cut++) assert.equal(hasher.hash(text.slice(cut)), plain(text.slice(cut)), JSON.stringify(text.slice(cut)));
    }
  }
});

test('the identity hash agrees with the plain definition over random texts of spaces, cases, controls and other scripts', () => {
  const hasher = new IdentityHasher();
  const alphabet = [...'abcXYZ019 .,!\t\n\r\v\f', '\u00a0', '\u00e9', '\u2028', '\u3000', '\u0130', '\ud83d\ude00', '\u0000', '\u007f', '\ud800'];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const ascii = i % 2 === 0;
    const letters = ascii ? alphabet.slice(0, 21) : alphabet;
    const text = Array.from({ length: Math.floor(next() * 120) }, () => letters[Math.floor(next() * letters.length)]).join('');
    assert.equal(hasher.hash(text), plain(text), JSON.stringify(text));
    seen.add(hasher.hash(text));
  }
  // Different texts hash apart (a hash that ignored its input would pass the equalities above only by
  // also breaking the plain definition, but this says it outright).
  assert.ok(seen.size > 4500, `${seen.size} distinct hashes of 5000 texts`);
});

test('texts that differ only in case and spacing share an identity; texts that differ in a byte anywhere do not', () => {
  const hasher = new IdentityHasher();
  assert.equal(hasher.hash('  A red  kite '), hasher.hash('a RED kite'));
  assert.equal(hasher.hash('a\tred\nkite'), hasher.hash('a red kite'));
  assert.notEqual(hasher.hash('a red kite'), hasher.hash('a redkite'));
  assert.notEqual(hasher.hash('a red kite'), hasher.hash('a red kites'));
  // One letter changed at each place, a trailing NUL, the two lone surrogates and their UTF-8 stand-in.
  const base = 'a photo of a red kite over the hill at dusk';
  const hashes = new Set<number>([hasher.hash(base)]);
  for (let at = 0; at < base.length; at++) if (base[at] !== ' ') hashes.add(hasher.hash(`${base.slice(0, at)}q${base.slice(at + 1)}`));
  assert.equal(hashes.size, 1 + base.replace(/ /g, '').length);
  assert.notEqual(hasher.hash('kite'), hasher.hash('kite\u0000'));
  assert.notEqual(hasher.hash('\ud800'), hasher.hash('\udc00'));
  assert.notEqual(hasher.hash('\ud800'), hasher.hash('\ufffd'));
});

test('a million distinct captions hash apart: at 53 bits, the expected collisions are 0.00003', () => {
  const hasher = new IdentityHasher();
  const seen = new Set<number>();
  for (let i = 0; i < 1_000_000; i++) seen.add(hasher.hash(`a caption number ${i} of a red kite`));
  assert.equal(seen.size, 1_000_000);
});

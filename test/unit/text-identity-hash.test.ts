// A text's identity hash taken alone equals the one the habit report's token scan takes and the plain
// definition, textHash(identityKey(text)), for every spacing, case and script, so duplicates counted from
// either path meet in one table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityHasher } from '../../src/core/text/identity-hash.js';
import { identityKey } from '../../src/core/text/text-features.js';
import { textHash } from '../../src/core/text/text-hash.js';
import { TokenScan } from '../../src/core/text/token-scan.js';

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
  'caf\u00e9 au lait',
  'non\u00a0breaking\u2003spaces\u3000here',
  'Stra\u00dfe \u0130stanbul \u03a3\u0399\u03a3',
  'emoji \u{1F408} cat \u{1F408}',
  'lone \ud800 surrogate',
  'x'.repeat(5000),
  `${'a long caption '.repeat(400)}end`,
];

function check(hasher: IdentityHasher, scan: TokenScan, text: string): void {
  const plain = textHash(identityKey(text));
  assert.equal(hasher.hash(text), plain, JSON.stringify(text.slice(0, 60)));
  // The scan's identity is defined for ASCII texts (report measures take the plain path otherwise).
  if (scan.scan(text, true).ascii) assert.equal(scan.identityHash, plain, JSON.stringify(text.slice(0, 60)));
}

test('the identity hash taken alone equals the plain definition and the token scan’s, for every spacing, case and script', () => {
  const hasher = new IdentityHasher();
  const scan = new TokenScan();
  for (const text of CASES) check(hasher, scan, text);
});

test('the identity hash agrees with the plain definition over random texts of spaces, cases, controls and other scripts', () => {
  const hasher = new IdentityHasher();
  const scan = new TokenScan();
  const alphabet = [...'abcXYZ019 .,!\t\n\r\v\f', '\u00a0', '\u00e9', '\u2028', '\u3000', '\u0130', '\ud83d\ude00', '\u0000', '\u007f'];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const ascii = i % 2 === 0;
    const letters = ascii ? alphabet.slice(0, 21) : alphabet;
    const text = Array.from({ length: Math.floor(next() * 120) }, () => letters[Math.floor(next() * letters.length)]).join('');
    check(hasher, scan, text);
    seen.add(hasher.hash(text));
  }
  // Different texts hash apart (a hash that ignored its input would pass the equalities above only by
  // also breaking the plain definition, but this says it outright).
  assert.ok(seen.size > 4500, `${seen.size} distinct hashes of 5000 texts`);
});

test('texts that differ only in case and spacing share an identity; texts that differ in a word do not', () => {
  const hasher = new IdentityHasher();
  assert.equal(hasher.hash('  A red  kite '), hasher.hash('a RED kite'));
  assert.equal(hasher.hash('a\tred\nkite'), hasher.hash('a red kite'));
  assert.notEqual(hasher.hash('a red kite'), hasher.hash('a redkite'));
  assert.notEqual(hasher.hash('a red kite'), hasher.hash('a red kites'));
});

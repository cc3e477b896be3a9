import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256Head48 } from '../../src/core/util/sha256-head.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

const expected = (text: string) => createHash('sha256').update(text, 'utf8').digest().readUIntBE(0, 6);

test('the first 48 bits of SHA-256 as node:crypto gives them, for any length and any characters', () => {
  const random = seededRandom(3);
  const alphabet = ['a', 'Z', '0', '/', ' ', '\0', 'é', 'ü', '字', '😀', '\u202e', '\ud800'];
  const texts = ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(119), 'x'.repeat(120), '字'.repeat(1000)];
  for (let i = 0; i < 3000; i++) {
    const length = Math.floor(random() * (i % 10 === 0 ? 400 : 80));
    texts.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
  }
  for (const text of texts) assert.equal(sha256Head48(text), expected(text), JSON.stringify(text));
});

test('a seeded draw with its prefix encoded once equals the plain one', async () => {
  const { unitHash, unitHasher } = await import('../../src/core/util/seeded-hash.js');
  const draw = unitHasher(7, 'split');
  for (const name of ['a.png', 'ü folder/img 001.jpg', 'x'.repeat(300), '']) assert.equal(draw(name), unitHash(7, 'split', name));
});

test('after a prefix, every length about the one-block edge (55 bytes) and every character kind hashes as node:crypto does', () => {
  const prefixes = ['', '1\0split\0', '12345\0blend\0', 'p'.repeat(54), 'p'.repeat(56)];
  for (const prefix of prefixes) {
    const bytes = new TextEncoder().encode(prefix);
    for (let length = 0; length <= 70; length++) {
      for (const letter of ['a', 'Z', '\0', '\u007f', 'é', '😀']) {
        const text = `${'n'.repeat(Math.max(0, length - 1))}${length > 0 ? letter : ''}`;
        assert.equal(sha256Head48(text, bytes), expected(prefix + text), JSON.stringify([prefix, text]));
      }
    }
  }
});

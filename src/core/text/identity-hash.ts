// The hash of a text's identity (identityKey: trimmed, spacing collapsed, lower-cased) without the rest of a
// token scan: a sampled dataset card measures a text in full only now and then, but counts every text's
// identity, so that "identical to another text" stays exact.
import { CodeUnits } from './code-units.js';
import { identityKey } from './text-features.js';
import { finishTextHash, HASH_A, HASH_B, PRIME_A, PRIME_B, textHash } from './text-hash.js';

/** What ASCII_FOLDED gives a space (as \s matches them): no ASCII code. */
const SPACE = 0xff;

/** Each ASCII code lower-cased, or SPACE. */
const ASCII_FOLDED = new Uint8Array(128).map((_, code) => (code === 32 || (code >= 9 && code <= 13) ? SPACE : code >= 65 && code <= 90 ? code + 32 : code));

/** Identity hashes taken one text after another, reusing one buffer for the texts' code units. */
export class IdentityHasher {
  private readonly codeUnits = new CodeUnits(1024);

  /** textHash(identityKey(text)), and TokenScan's identityHash of the text. */
  hash(text: string): number {
    const hash = foldedHash(this.codeUnits.read(text), text.length);
    return hash < 0 ? textHash(identityKey(text)) : hash;
  }
}

/**
 * The identity hash of the first n units, or -1 when one is not ASCII. A word at a time: the spaces before
 * it are skipped and one space is hashed in their place (none before the first). Each loop then runs on to
 * its one exit, which a branch predictor follows far better than a test of every character for a word's
 * edge (1.5 against 2.5 ns a character, measured). A function of its own: as a method it ran no faster
 * than the per-character test.
 */
function foldedHash(units: Uint16Array, n: number): number {
  let a = HASH_A;
  let b = HASH_B;
  let length = 0;
  let i = 0;
  while (i < n) {
    let code = units[i]!;
    if (code >= 128) return -1;
    if (ASCII_FOLDED[code] === SPACE) {
      i++;
      continue;
    }
    if (length > 0) {
      a = Math.imul(a ^ 32, PRIME_A);
      b = Math.imul(b ^ 32, PRIME_B);
      length++;
    }
    for (; i < n; i++) {
      code = units[i]!;
      if (code >= 128) return -1;
      const folded = ASCII_FOLDED[code]!;
      if (folded === SPACE) break;
      a = Math.imul(a ^ folded, PRIME_A);
      b = Math.imul(b ^ folded, PRIME_B);
      length++;
    }
  }
  return finishTextHash(a, b, length);
}

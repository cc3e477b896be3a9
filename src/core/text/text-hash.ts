// A 53-bit hash of a text, taken character by character: two 32-bit FNV-1a variants side by side, the
// length mixed in last (so that a caller hashing a text as it makes it need not know its length first).
// Two different captions share one with a chance of about n²/2⁵⁴: one in ten thousand for a million.

/** The two halves' starting values and multipliers. */
export const HASH_A = 0x811c9dc5;
export const HASH_B = 0x01000193;
export const PRIME_A = 0x01000193;
export const PRIME_B = 0x5bd1e995;

/** The hash of a text whose code units went into `a` (times PRIME_A) and `b` (times PRIME_B), `length` of them. */
export function finishTextHash(a: number, b: number, length: number): number {
  b = Math.imul(b ^ length, PRIME_B);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

export function textHash(text: string): number {
  let a = HASH_A;
  let b = HASH_B;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME_A);
    b = Math.imul(b ^ c, PRIME_B);
  }
  return finishTextHash(a, b, text.length);
}

// A 53-bit hash of a text, taken character by character: two 32-bit FNV-1a variants side by side, the
// length mixed in last. Two different texts share one with a chance of about n²/2⁵⁴: one in ten thousand
// for a million. (A text's identity, which every caption of an export's card is counted by, has a faster
// hash of its own: identity-hash.ts.)

const HASH_A = 0x811c9dc5;
const HASH_B = 0x01000193;
const PRIME_A = 0x01000193;
const PRIME_B = 0x5bd1e995;

export function textHash(text: string): number {
  let a = HASH_A;
  let b = HASH_B;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME_A);
    b = Math.imul(b ^ c, PRIME_B);
  }
  b = Math.imul(b ^ text.length, PRIME_B);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

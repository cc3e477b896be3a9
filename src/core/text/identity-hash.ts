// The hash of a text's identity (identityKey: trimmed, spacing collapsed, lower-cased): the habit report and
// an export's dataset card count every text's identity, so that "identical to another text" stays exact over
// a million captions (three per record). Defined as a hash of identityKey(text)'s UTF-8 bytes, taken four
// bytes at a time: a multiply chain per character was the card's largest cost (1.5 ns a character), and
// one per four bytes runs at about a third of that.
import { identityKey } from './text-features.js';

const BYTES_PER_WORD = 4;
/** Each byte's high bit, and the bytes below 0x20 / equal to 0x20, as SWAR masks. */
const HIGH_BITS = 0x80808080 | 0;
const LOW_SEVEN = 0x7f7f7f7f;
const ONES = 0x01010101;
const SPACES = 0x20202020;
/** Seeds of the two lanes, and of the lanes for a text that is not well-formed UTF-16 (hashed as its units). */
const SEED_A = 0x9747b28c;
const SEED_B = 0x2f1a6e3d;
const UNITS_SEED = 0x5bd1e995;
/** With the u flag a pair is one code point: only a lone surrogate is one of \p{Cs}. */
const LONE_SURROGATE = /\p{Cs}/u;
/** The word masks read bytes in little-endian order (x64, arm64); elsewhere every text takes the plain path. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The lanes' multipliers and increments (MurmurHash3's for the first), as 32-bit integers. */
const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593;
const ADD_A = 0xe6546b64 | 0;
const D1 = 0x85ebca6b | 0;
const D2 = 0xc2b2ae35 | 0;
const ADD_B = 0x561ccd1b;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** MurmurHash3's finalizer: every input bit reaches every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The 53-bit hash of bytes [0, n) read as little-endian words (`words` views `bytes`): two 32-bit lanes in
 * MurmurHash3's block step with different constants, the length mixed in last. Two different identities
 * share one with a chance of about n²/2⁵⁴: one in ten thousand for a million texts. `lower`: ASCII bytes
 * are lower-cased on the way, and -1 is returned for a text whose bytes are not already its identity (a
 * byte below 0x20, two spaces in a row, a space at either end; the caller has checked it is ASCII).
 */
function hashWords(bytes: Uint8Array, words: Int32Array, n: number, lower: boolean, seed: number): number {
  let a = SEED_A ^ seed;
  let b = SEED_B ^ seed;
  const whole = n >>> 2;
  // The last byte of the word before was a space (its high bit).
  let spaceBefore = 0;
  for (let k = 0; k < whole; k++) {
    // Every step wrapped to 32 bits (| 0), so that the compiler keeps it in integer registers.
    let w = words[k]!;
    if (lower) {
      // Bytes below 0x20 (controls and the spaces other than ' '): not an identity as it is.
      if ((((w - 0x20 * ONES) | 0) & ~w & HIGH_BITS) !== 0) return -1;
      // Exactly the bytes equal to ' ': two in a row, across words too, are not either.
      const x = w ^ SPACES;
      const space = ~((((x & LOW_SEVEN) + LOW_SEVEN) | 0) | x | LOW_SEVEN) & HIGH_BITS;
      if ((space & ((space >>> 8) | (spaceBefore >>> 24))) !== 0) return -1;
      spaceBefore = space;
      // 'A'..'Z' (ASCII: no byte carries into the next): add 0x20 to each.
      const upper = ((w + 0x3f * ONES) | 0) & ~((w + 0x25 * ONES) | 0) & HIGH_BITS;
      w |= upper >>> 2;
    }
    a = (Math.imul(rotl(a ^ Math.imul(rotl(Math.imul(w, C1), 15), C2), 13), 5) + ADD_A) | 0;
    b = (Math.imul(rotl(b ^ Math.imul(rotl(Math.imul(w, D1), 17), D2), 11), 5) + ADD_B) | 0;
  }
  // The last one to three bytes, lower-cased and checked one by one.
  let tail = 0;
  for (let i = whole * BYTES_PER_WORD; i < n; i++) {
    let byte = bytes[i]!;
    if (lower) {
      if (byte < 0x20 || (byte === 0x20 && (i === 0 || bytes[i - 1] === 0x20))) return -1;
      if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    }
    tail |= byte << (8 * (i & 3));
  }
  if (lower && n > 0 && (bytes[0] === 0x20 || bytes[n - 1] === 0x20)) return -1;
  a ^= Math.imul(rotl(Math.imul(tail, C1), 15), C2);
  b ^= Math.imul(rotl(Math.imul(tail, D1), 17), D2);
  return fmix(a ^ n) * 0x200000 + (fmix(b ^ n) & 0x1fffff);
}

/** Identity hashes taken one text after another, reusing one buffer for the texts' bytes. */
export class IdentityHasher {
  private bytes = new Uint8Array(1024);
  private words = new Int32Array(this.bytes.buffer);
  private writer = Buffer.from(this.bytes.buffer);

  /** identityHash(text). */
  hash(text: string): number {
    // An ASCII text (UTF-8 as long as the text) that is its own identity but for case: hashed as it is.
    const n = this.write(text);
    const hash = LITTLE_ENDIAN && n === text.length ? hashWords(this.bytes, this.words, n, true, 0) : -1;
    return hash >= 0 ? hash : this.hashKey(identityKey(text));
  }

  /** The hash of an identity key as it is. */
  hashKey(key: string): number {
    if (LONE_SURROGATE.test(key)) {
      // A lone surrogate has no UTF-8 bytes of its own: its units are hashed, apart from every UTF-8 text.
      const n = this.write(key, 'utf16le');
      return hashWords(this.bytes, this.words, n, false, UNITS_SEED);
    }
    const n = this.write(key);
    return hashWords(this.bytes, this.words, n, false, 0);
  }

  /** Writes `text` at the start of the buffer (grown to hold it) and returns its length in bytes. */
  private write(text: string, encoding: 'utf8' | 'utf16le' = 'utf8'): number {
    const most = text.length * 3 + BYTES_PER_WORD;
    if (this.bytes.length < most) {
      let size = this.bytes.length;
      while (size < most) size *= 2;
      this.bytes = new Uint8Array(size);
      this.words = new Int32Array(this.bytes.buffer);
      this.writer = Buffer.from(this.bytes.buffer);
    }
    return this.writer.write(text, 0, encoding);
  }
}

/** The plain definition: the hash of identityKey(text)'s UTF-8 bytes (its UTF-16 units when not well-formed). */
export function identityHash(text: string): number {
  return new IdentityHasher().hashKey(identityKey(text));
}

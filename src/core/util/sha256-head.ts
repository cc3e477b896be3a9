// SHA-256 of a short text, computed here instead of through node:crypto: an export hashes every file name
// twice (its split, its caption draw), and for names a few dozen bytes long the call into the crypto module
// costs more than the hash. Only the first 48 bits are returned, all a seeded draw needs.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const encoder = new TextEncoder();
const schedule = new Int32Array(64);
const INITIAL_STATE = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const state = new Int32Array(8);
/** The padded message; grown for a longer text, never shrunk. */
let message = new Uint8Array(256);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

const NO_PREFIX = new Uint8Array(0);

/** Writes the UTF-8 of `text` into `bytes` at `at`; returns its length. ASCII (nearly every file name) byte by byte. */
function utf8Into(text: string, bytes: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) return encoder.encodeInto(text, bytes.subarray(at)).written;
    bytes[at + i] = code;
  }
  return text.length;
}

/**
 * Loads `prefix` then `text`, padded, into the schedule as one block's 16 big-endian words when the text is
 * ASCII and the message fits one block (55 bytes: a file name after its seed, nearly always). False if not.
 */
function loadOneBlock(prefix: Uint8Array, text: string): boolean {
  const w = schedule;
  const n = prefix.length + text.length;
  if (n > 55) return false;
  w.fill(0, 0, 16);
  for (let i = 0; i < prefix.length; i++) w[i >> 2]! |= prefix[i]! << (24 - 8 * (i & 3));
  for (let j = 0, i = prefix.length; j < text.length; j++, i++) {
    const code = text.charCodeAt(j);
    if (code >= 128) return false;
    w[i >> 2]! |= code << (24 - 8 * (i & 3));
  }
  w[n >> 2]! |= 0x80 << (24 - 8 * (n & 3));
  w[15] = n * 8;
  return true;
}

/** Loads block `block` of the padded message in `bytes` as 16 big-endian words. */
function loadBlock(bytes: Uint8Array, block: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i++) {
    const o = block + i * 4;
    w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
  }
}

/** Pads the message (`prefix` then the UTF-8 of `text`) into `message`; returns its length, whole blocks. */
function padMessage(text: string, prefix: Uint8Array): number {
  // A UTF-16 code unit takes at most 3 bytes in UTF-8; the padding at most 72 more.
  if (message.length < prefix.length + text.length * 3 + 72) message = new Uint8Array(prefix.length + text.length * 3 + 72);
  const bytes = message;
  bytes.set(prefix);
  const n = prefix.length + utf8Into(text, bytes, prefix.length);
  const length = (((n + 8) >>> 6) + 1) * 64;
  bytes[n] = 0x80;
  bytes.fill(0, n + 1, length - 8);
  const bits = n * 8;
  const high = Math.floor(bits / 2 ** 32);
  for (let i = 0; i < 4; i++) {
    bytes[length - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    bytes[length - 4 + i] = (bits >>> (24 - 8 * i)) & 0xff;
  }
  return length;
}

/**
 * The state after one more block, whose 16 words are at the start of `schedule`. The module's own arrays,
 * not parameters: their bounds are then constants to the compiler (a fifth of the time, measured).
 */
function compress(): void {
  const w = schedule;
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** The first 48 bits of SHA-256(`prefix` then the UTF-8 of `text`), as an integer in [0, 2^48). */
export function sha256Head48(text: string, prefix: Uint8Array = NO_PREFIX): number {
  for (let i = 0; i < 8; i++) state[i] = INITIAL_STATE[i]!;
  // One block loaded straight into words (an export's two draws per image), or the message padded as bytes.
  if (loadOneBlock(prefix, text)) compress();
  else {
    const length = padMessage(text, prefix);
    for (let block = 0; block < length; block += 64) {
      loadBlock(message, block);
      compress();
    }
  }
  return (state[0]! >>> 0) * 2 ** 16 + (state[1]! >>> 16);
}

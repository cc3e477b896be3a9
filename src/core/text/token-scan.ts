// The tokens of a text (as tokensOf defines them: whitespace-separated words, lower-cased, their edge
// punctuation stripped) as hashes and spans, without making a string per token. The defect flags run it
// over every caption of a million-record `recaption stats`, where making the strings took most of the time.
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

function isSpace(text: string, i: number, code: number): boolean {
  return code < 128 ? code === 32 || (code >= 9 && code <= 13) : SPACE.test(text[i]!);
}

function isAlnum(text: string, i: number, code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  return LETTER_OR_DIGIT.test(text[i]!);
}

function lowerCode(text: string, i: number, code: number): number {
  if (code >= 65 && code <= 90) return code + 32;
  return code < 128 ? code : text[i]!.toLowerCase().charCodeAt(0);
}

/** The hash a scan gives a token, for a token already lower-cased (as tokensOf returns them). */
export function tokenHash(token: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < token.length; k++) h = Math.imul(h ^ lowerCode(token, k, token.charCodeAt(k)), 0x01000193);
  return h >>> 0;
}

/** A reusable result: token k is text[start[k], end[k]) with hash hash[k]. */
export class TokenScan {
  count = 0;
  hash = new Uint32Array(64);
  start = new Int32Array(64);
  end = new Int32Array(64);
  text = '';

  private push(start: number, end: number, hash: number): void {
    if (this.count === this.hash.length) {
      const grow = <T extends Uint32Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.hash = grow(this.hash);
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.hash[this.count++] = hash;
  }

  /** Scans `text`, replacing what the scan held. */
  scan(text: string): this {
    this.text = text;
    this.count = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      while (i < n && isSpace(text, i, text.charCodeAt(i))) i++;
      const wordStart = i;
      while (i < n && !isSpace(text, i, text.charCodeAt(i))) i++;
      let from = wordStart;
      let to = i;
      while (from < to && !isAlnum(text, from, text.charCodeAt(from))) from++;
      while (to > from && !isAlnum(text, to - 1, text.charCodeAt(to - 1))) to--;
      if (from === to) continue;
      let h = 0x811c9dc5;
      for (let k = from; k < to; k++) h = Math.imul(h ^ lowerCode(text, k, text.charCodeAt(k)), 0x01000193);
      this.push(from, to, h >>> 0);
    }
    return this;
  }

  /** Whether token a of this scan and token b of `other` are the same token. */
  sameAs(a: number, other: TokenScan, b: number): boolean {
    const la = this.end[a]! - this.start[a]!;
    if (la !== other.end[b]! - other.start[b]!) return false;
    const t = this.text;
    const u = other.text;
    for (let k = 0; k < la; k++) {
      const i = this.start[a]! + k;
      const j = other.start[b]! + k;
      if (lowerCode(t, i, t.charCodeAt(i)) !== lowerCode(u, j, u.charCodeAt(j))) return false;
    }
    return true;
  }

  /** Token k's length in UTF-16 units. */
  lengthOf(k: number): number {
    return this.end[k]! - this.start[k]!;
  }

  /** Whether tokens a and b are the same token (case-insensitively, as tokensOf compares them). */
  same(a: number, b: number): boolean {
    return this.sameAs(a, this, b);
  }

  // An open-addressing table of n-gram hash -> first position and count, reused from text to text: a
  // stamp per slot says whether it belongs to this text, so nothing is cleared or allocated per caption.
  private slotKey = new Int32Array(256);
  private slotAt = new Int32Array(256);
  private slotCount = new Int32Array(256);
  private slotStamp = new Uint32Array(256);
  private stamp = 0;

  /**
   * Whether some n tokens in a row occur `minTimes` times (the loop test). n-grams are keyed by a hash of
   * their tokens' hashes and confirmed token by token, so a hash collision never counts as a repeat.
   */
  hasRepeat(n: number, minTimes: number): boolean {
    const grams = this.count - n + 1;
    if (grams < minTimes) return false;
    let size = this.slotKey.length;
    if (grams * 2 > size) {
      while (grams * 2 > size) size *= 2;
      this.slotKey = new Int32Array(size);
      this.slotAt = new Int32Array(size);
      this.slotCount = new Int32Array(size);
      this.slotStamp = new Uint32Array(size);
      this.stamp = 0;
    }
    if (this.stamp === 0xffffffff) {
      this.slotStamp.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const mask = size - 1;
    grams: for (let i = 0; i < grams; i++) {
      let h = 17;
      for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + this.hash[i + k]!) | 0;
      let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
      for (; this.slotStamp[slot] === stamp; slot = (slot + 1) & mask) {
        if (this.slotKey[slot] !== h) continue;
        const first = this.slotAt[slot]!;
        let equal = true;
        for (let k = 0; k < n && equal; k++) equal = this.same(first + k, i + k);
        if (!equal) continue;
        if (++this.slotCount[slot]! >= minTimes) return true;
        continue grams;
      }
      this.slotStamp[slot] = stamp;
      this.slotKey[slot] = h;
      this.slotAt[slot] = i;
      this.slotCount[slot] = 1;
      if (minTimes <= 1) return true;
    }
    return false;
  }
}

// The tokens of a text (as tokensOf defines them: whitespace-separated words, lower-cased, their edge
// punctuation stripped) as hashes and spans, without making a string per token. The defect flags run it
// over every caption of a million-record `recaption stats`, where making the strings took most of the time.
import { CodeUnits } from './code-units.js';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

const OTHER_CHAR = 0;
const SPACE_CHAR = 1;
const ALNUM_CHAR = 2;

/** Each ASCII code's kind: the common characters need no regex. */
const ASCII_KIND = new Uint8Array(128).map((_, code) =>
  code === 32 || (code >= 9 && code <= 13) ? SPACE_CHAR : (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) ? ALNUM_CHAR : OTHER_CHAR,
);

/** Each ASCII code lower-cased. */
const ASCII_LOWER = new Uint8Array(128).map((_, code) => (code >= 65 && code <= 90 ? code + 32 : code));


function kindOf(text: string, i: number, code: number): number {
  return code < 128 ? ASCII_KIND[code]! : SPACE.test(text[i]!) ? SPACE_CHAR : LETTER_OR_DIGIT.test(text[i]!) ? ALNUM_CHAR : OTHER_CHAR;
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

/** Numbers per slot of the n-gram table. */
const SLOT = 4;

/** A reusable result: token k is text[start[k], end[k]) with hash hash[k]. */
export class TokenScan {
  count = 0;
  /** Words as wordCount counts them (runs of non-space), tokens or not ("," is a word, not a token). */
  words = 0;
  hash = new Uint32Array(64);
  start = new Int32Array(64);
  end = new Int32Array(64);
  text = '';
  /** The text's UTF-16 units. */
  private readonly codeUnits = new CodeUnits();
  private units = this.codeUnits.units;

  /** Whether every unit of the text is ASCII. */
  ascii = true;

  /** Scans `text`, replacing what the scan held. */
  scan(text: string): this {
    this.text = text;
    const n = text.length;
    this.reserve(n);
    const units = (this.units = this.codeUnits.read(text));
    const { hash, start, end } = this;
    let count = 0;
    let words = 0;
    // One flat pass, a character at a time. A word is a run of non-space; its token runs from its first
    // letter or digit to its last, punctuation around it is not hashed, and the token's hash is the one
    // taken at its last letter or digit.
    let ascii = true;
    let inWord = false;
    let inToken = false;
    let from = 0;
    let to = 0;
    let h = 0;
    let hashAtTo = 0;
    for (let i = 0; i < n; i++) {
      const code = units[i]!;
      let kind: number;
      if (code < 128) kind = ASCII_KIND[code]!;
      else {
        ascii = false;
        kind = kindOf(text, i, code);
      }
      if (kind === SPACE_CHAR) {
        if (inToken) {
          start[count] = from;
          end[count] = to;
          hash[count++] = hashAtTo >>> 0;
          inToken = false;
        }
        inWord = false;
        continue;
      }
      const lower = code < 128 ? ASCII_LOWER[code]! : lowerCode(text, i, code);
      if (!inWord) {
        inWord = true;
        words++;
      }
      if (kind === ALNUM_CHAR) {
        if (!inToken) {
          inToken = true;
          from = i;
          h = 0x811c9dc5;
        }
        h = Math.imul(h ^ lower, 0x01000193);
        to = i + 1;
        hashAtTo = h;
      } else if (inToken) h = Math.imul(h ^ lower, 0x01000193);
    }
    if (inToken) {
      start[count] = from;
      end[count] = to;
      hash[count++] = hashAtTo >>> 0;
    }
    this.count = count;
    this.words = words;
    this.ascii = ascii;
    return this;
  }

  /** Room for the tokens of a text of n units (at most one per two units, rounded up). */
  private reserve(n: number): void {
    const tokens = (n >> 1) + 1;
    if (this.hash.length < tokens) {
      let size = this.hash.length;
      while (size < tokens) size *= 2;
      this.hash = new Uint32Array(size);
      this.start = new Int32Array(size);
      this.end = new Int32Array(size);
    }
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
      const ci = t.charCodeAt(i);
      const cj = u.charCodeAt(j);
      // The same letter in the same case (nearly always, for a repeated word) needs no lower-casing.
      if (ci !== cj && lowerCode(t, i, ci) !== lowerCode(u, j, cj)) return false;
    }
    return true;
  }

  /**
   * Whether the text from token a's start to token a + n - 1's end is the same, unit for unit, as from
   * token b's: then the n tokens are the same (a loop usually repeats its words exactly), with no token
   * compared on its own.
   */
  private sameSpan(a: number, b: number, n: number): boolean {
    const { start, end, units } = this;
    const from = start[a]!;
    const at = start[b]!;
    const length = end[a + n - 1]! - from;
    if (end[b + n - 1]! - at !== length) return false;
    for (let k = 0; k < length; k++) if (units[from + k] !== units[at + k]) return false;
    return true;
  }

  /**
   * Whether tokens [first, first + n) of this scan of an ASCII text, lower-cased and joined by single
   * spaces, are `p` (a phrase, as PhraseCounts keeps them), compared without making the string.
   */
  spells(first: number, n: number, p: string): boolean {
    return (n > 0 && this.spanIs(first, n, p)) || this.spellsToken(first, n, p);
  }

  /**
   * Whether the text from token `first`'s start to token first + n - 1's end is `p`, unit for unit: then
   * those n tokens, joined by single spaces, are `p` (a phrase met again is usually written the same way).
   */
  private spanIs(first: number, n: number, p: string): boolean {
    const from = this.start[first]!;
    const length = this.end[first + n - 1]! - from;
    if (length !== p.length) return false;
    const units = this.units;
    for (let k = 0; k < length; k++) if (units[from + k] !== p.charCodeAt(k)) return false;
    return true;
  }

  /** spells(), token by token: upper case folded, one space between tokens. */
  private spellsToken(first: number, n: number, p: string): boolean {
    const text = this.text;
    let at = 0;
    for (let k = first; k < first + n; k++) {
      if (k > first && p.charCodeAt(at++) !== 32) return false;
      const from = this.start[k]!;
      const length = this.end[k]! - from;
      if (at + length > p.length) return false;
      for (let i = 0; i < length; i++) {
        const c = text.charCodeAt(from + i);
        const want = p.charCodeAt(at + i);
        if (c !== want && !(c >= 65 && c <= 90 && c + 32 === want)) return false;
      }
      at += length;
    }
    return at === p.length;
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
  // A slot's four numbers lie side by side (stamp, key, first position, count): one cache line, not four.
  private slots = new Int32Array(256 * SLOT);
  private stamp = 0;
  /** After repeats(): where each repeated n-gram first occurs, and how many times it occurs. */
  repeatFirst = new Int32Array(64);
  repeatTimes = new Int32Array(64);

  /**
   * Whether some n tokens in a row occur `minTimes` times (the loop test). n-grams are keyed by a hash of
   * their tokens' hashes and confirmed token by token, so a hash collision never counts as a repeat.
   */
  hasRepeat(n: number, minTimes: number): boolean {
    return this.countGrams(n, minTimes, true) > 0;
  }

  /**
   * How many distinct n-grams occur `minTimes` times or more (the n-grams repeatedNgramsIn gives, in no
   * order): the r-th first occurs at token repeatFirst[r] and occurs repeatTimes[r] times.
   */
  repeats(n: number, minTimes: number): number {
    return this.countGrams(n, minTimes, false);
  }

  /** The n-grams occurring minTimes times or more, counted to the end or (`firstOnly`) until the first. */
  private countGrams(n: number, minTimes: number, firstOnly: boolean): number {
    const grams = this.count - n + 1;
    if (grams < minTimes) return 0;
    let size = this.slots.length / SLOT;
    if (grams * 2 > size) {
      while (grams * 2 > size) size *= 2;
      this.slots = new Int32Array(size * SLOT);
      this.stamp = 0;
    }
    if (this.stamp === 0x7fffffff) {
      this.slots.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const mask = size - 1;
    // Locals, not fields, in the loop: it runs for every word of every caption of a million-record `stats`.
    const { hash, slots } = this;
    // Slots of the n-grams that reached minTimes, in the order they did (the table may be far larger than
    // the text, so it is not searched afterwards).
    let found = 0;
    // The n-gram's key rolls along: sum of hash[i + k] * 31^(n-1-k), mod 2^32; the token arriving is put in
    // and the one leaving (by then times 31^n) taken out, instead of n steps per n-gram.
    let leaving = 1;
    for (let k = 0; k < n; k++) leaving = Math.imul(leaving, 31);
    let h = 0;
    for (let k = 0; k < n - 1; k++) h = (Math.imul(h, 31) + hash[k]!) | 0;
    grams: for (let i = 0; i < grams; i++) {
      h = (Math.imul(h, 31) + hash[i + n - 1]!) | 0;
      if (i > 0) h = (h - Math.imul(hash[i - 1]!, leaving)) | 0;
      for (let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask; ; slot = (slot + 1) & mask) {
        const at = slot * SLOT;
        if (slots[at] !== stamp) {
          slots[at] = stamp;
          slots[at + 1] = h;
          slots[at + 2] = i;
          slots[at + 3] = 1;
          if (minTimes <= 1) {
            if (firstOnly) return 1;
            if (found === this.repeatFirst.length) this.growRepeats();
            this.repeatFirst[found++] = at;
          }
          continue grams;
        }
        if (slots[at + 1] !== h) continue;
        const first = slots[at + 2]!;
        // The tokens' hashes first (cheap), then their letters.
        let equal = true;
        for (let k = 0; k < n && equal; k++) equal = hash[first + k] === hash[i + k];
        if (equal && !this.sameSpan(first, i, n)) for (let k = 0; k < n && equal; k++) equal = this.same(first + k, i + k);
        if (!equal) continue;
        if (++slots[at + 3]! === minTimes) {
          if (firstOnly) return 1;
          if (found === this.repeatFirst.length) this.growRepeats();
          this.repeatFirst[found++] = at;
        }
        continue grams;
      }
    }
    // The slots' first positions and final counts, in place of the slots.
    for (let r = 0; r < found; r++) {
      const at = this.repeatFirst[r]!;
      this.repeatFirst[r] = slots[at + 2]!;
      this.repeatTimes[r] = slots[at + 3]!;
    }
    return found;
  }

  private growRepeats(): void {
    const first = new Int32Array(this.repeatFirst.length * 2);
    first.set(this.repeatFirst);
    this.repeatFirst = first;
    this.repeatTimes = new Int32Array(first.length);
  }
}

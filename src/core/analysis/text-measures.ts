// The measures the habit report takes of each text (its words, whether it opens with an article, its opening
// and closing phrases, the hash of its identity, its looping n-grams), from one token scan: an export's card
// measures every caption of a million-record dataset, and cutting each into a string per word took most of
// the export's time. Plain ASCII texts (nearly all captions) are measured here; any other text the plain way
// (text-features.ts), whose definitions these equal (text-measures.test.ts checks them against each other).
import { closingPhraseIn, identityKey, openingPhraseIn, repeatedNgramsIn, startsWithArticleIn, tokensOf, wordsOf, type RepeatedNgram } from '../text/text-features.js';
import { TokenScan } from '../text/token-scan.js';

export interface TextMeasures {
  /** wordsOf(text).length */
  words: number;
  /** startsWithArticleIn(tokensOf(text)) */
  startsWithArticle: boolean;
  opening: string;
  closing: string;
  /** textHash(identityKey(text)) */
  identityHash: number;
  /** repeatedNgramsIn(tokensOf(text), n, minTimes) */
  repeats: RepeatedNgram[];
}

/**
 * A 53-bit hash of a text (two 32-bit FNV-1a variants combined): two different captions share one with a
 * chance of about n²/2⁵⁴, one in ten thousand for a million distinct captions and a report's duplicate count.
 */
export function textHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  // The length last, so that a caller hashing a text as it makes it need not know the length first.
  return withLength(a, b, text.length);
}

function withLength(a: number, b: number, length: number): number {
  b = Math.imul(b ^ length, 0x5bd1e995);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * How many times each text hash was met: open addressing over typed arrays, so a million captions' hashes
 * cost a few MB and no objects (a Map of a million numbers is the garbage collector's work for the pass).
 */
export class HashCounts {
  private keys = new Float64Array(1 << 12);
  private counts = new Uint32Array(1 << 12);
  private used = 0;

  /** Counts one more of `key` (a hash in [0, 2^53)); returns its count now. */
  bump(key: number): number {
    const slot = this.slotOf(key, this.keys, this.counts);
    const count = ++this.counts[slot]!;
    if (count === 1) {
      this.keys[slot] = key;
      if (++this.used * 2 > this.keys.length) this.rehash();
    }
    return count;
  }

  /** How many times `key` was met. */
  get(key: number): number {
    return this.counts[this.slotOf(key, this.keys, this.counts)]!;
  }

  /** Every count, in no particular order. */
  *values(): IterableIterator<number> {
    for (let slot = 0; slot < this.counts.length; slot++) if (this.counts[slot]! > 0) yield this.counts[slot]!;
  }

  private slotOf(key: number, keys: Float64Array, counts: Uint32Array): number {
    const mask = keys.length - 1;
    let slot = (Math.imul(key % 0x100000000 | 0, 0x9e3779b1) >>> 0) & mask;
    while (counts[slot] !== 0 && keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private rehash(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const counts = new Uint32Array(this.counts.length * 2);
    for (let slot = 0; slot < this.keys.length; slot++) {
      if (this.counts[slot] === 0) continue;
      const to = this.slotOf(this.keys[slot]!, keys, counts);
      keys[to] = this.keys[slot]!;
      counts[to] = this.counts[slot]!;
    }
    this.keys = keys;
    this.counts = counts;
  }
}

const NOT_ASCII = /[^\x00-\x7f]/;

/** ASCII whitespace as \s has it: tab, line feed, vertical tab, form feed, carriage return, space. */
const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/** textHash(identityKey(text)) for an ASCII text, without making the identity string. */
function asciiIdentityHash(text: string): number {
  // The identity is the words, lower-cased, one space between each two.
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let length = 0;
  let gap = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (isSpace(c)) {
      gap = started;
      continue;
    }
    if (gap) {
      a = Math.imul(a ^ 32, 0x01000193);
      b = Math.imul(b ^ 32, 0x5bd1e995);
      length++;
      gap = false;
    }
    started = true;
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    length++;
  }
  return withLength(a, b, length);
}

/**
 * The n-grams of a scan's tokens that occur `minTimes` times or more, as repeatedNgramsIn gives them but in
 * no particular order: counted by the scan (TokenScan.repeats), each made a string once and reused.
 */
class GramCounter {
  /** Looping n-grams met before, by the hash of their tokens' hashes (30 bits: a small integer, a cheap Map key). */
  private readonly phrases = new Map<number, string[]>();

  repeated(scan: TokenScan, lower: string, n: number, minTimes: number): RepeatedNgram[] {
    const found = scan.repeats(n, minTimes);
    const repeats: RepeatedNgram[] = [];
    for (let r = 0; r < found; r++) repeats.push({ ngram: this.phraseOf(scan, lower, scan.repeatFirst[r]!, n), times: scan.repeatTimes[r]! });
    return repeats;
  }

  /**
   * The n-gram at `first` as a string, the same string for the same n-gram in every text: looping captions
   * repeat the same phrases, and a string made once is compared and counted without being made again.
   */
  private phraseOf(scan: TokenScan, lower: string, first: number, n: number): string {
    let key = 0;
    for (let k = first; k < first + n; k++) key = (Math.imul(key, 31) + scan.hash[k]!) | 0;
    key &= 0x3fffffff;
    const known = this.phrases.get(key);
    if (known) for (const p of known) if (spells(p, scan, lower, first, n)) return p;
    const made = phrase(scan, lower, first, first + n);
    if (known) known.push(made);
    else if (this.phrases.size < MAX_PHRASES) this.phrases.set(key, [made]);
    return made;
  }
}

/** Distinct looping n-grams remembered for reuse: beyond this, the rest are made each time. */
const MAX_PHRASES = 100_000;

/** Whether `p` is tokens [first, first + n) of the scan, lower-cased and joined by spaces (no string made). */
function spells(p: string, scan: TokenScan, lower: string, first: number, n: number): boolean {
  let at = 0;
  for (let k = first; k < first + n; k++) {
    if (k > first && p.charCodeAt(at++) !== 32) return false;
    const from = scan.start[k]!;
    const length = scan.end[k]! - from;
    if (at + length > p.length) return false;
    for (let i = 0; i < length; i++) if (p.charCodeAt(at + i) !== lower.charCodeAt(from + i)) return false;
    at += length;
  }
  return at === p.length;
}

/** Tokens [from, to) of the scan, lower-cased, joined by spaces (joined, not added: a flat string compares fast). */
function phrase(scan: TokenScan, lower: string, from: number, to: number): string {
  const tokens: string[] = [];
  for (let k = from; k < to; k++) tokens.push(lower.slice(scan.start[k], scan.end[k]));
  return tokens.join(' ');
}

const ARTICLES = new Set(['a', 'an', 'the']);

function byTimesThenNgram(x: RepeatedNgram, y: RepeatedNgram): number {
  return y.times - x.times || (x.ngram < y.ngram ? -1 : 1);
}

/** The first of `repeats` in repeatedNgramsIn's order, without sorting them. */
export function bestRepeat(repeats: readonly RepeatedNgram[]): RepeatedNgram | undefined {
  let best = repeats[0];
  for (let i = 1; i < repeats.length; i++) if (byTimesThenNgram(repeats[i]!, best!) < 0) best = repeats[i];
  return best;
}

/** Measures texts, reusing one scan. */
export class TextMeasurer {
  private readonly scan = new TokenScan();
  private readonly grams = new GramCounter();

  constructor(
    private readonly loopN: number,
    private readonly loopMinTimes: number,
    private readonly phraseWords: number,
  ) {}

  /** The measures, repeats in repeatedNgramsIn's order (most times first, then by n-gram). */
  measure(text: string): TextMeasures {
    const m = this.measureUnordered(text);
    m.repeats.sort(byTimesThenNgram);
    return m;
  }

  /** The measures, repeats in no particular order: a tally needs only their counts and the best one (bestRepeat). */
  measureUnordered(text: string): TextMeasures {
    if (NOT_ASCII.test(text)) return this.plain(text);
    const scan = this.scan.scan(text);
    const lower = text.toLowerCase();
    const count = scan.count;
    const words = scan.words;
    const first = count > 0 ? lower.slice(scan.start[0], scan.end[0]) : '';
    return {
      words,
      startsWithArticle: ARTICLES.has(first),
      opening: phrase(scan, lower, 0, Math.min(count, this.phraseWords)),
      closing: phrase(scan, lower, Math.max(0, count - this.phraseWords), count),
      identityHash: asciiIdentityHash(text),
      repeats: this.grams.repeated(scan, lower, this.loopN, this.loopMinTimes),
    };
  }

  /** The plain definitions, for any text. */
  plain(text: string): TextMeasures {
    const tokens = tokensOf(text);
    return {
      words: wordsOf(text).length,
      startsWithArticle: startsWithArticleIn(tokens),
      opening: openingPhraseIn(tokens, this.phraseWords),
      closing: closingPhraseIn(tokens, this.phraseWords),
      identityHash: textHash(identityKey(text)),
      repeats: this.scan.scan(text).hasRepeat(this.loopN, this.loopMinTimes) ? repeatedNgramsIn(tokens, this.loopN, this.loopMinTimes) : [],
    };
  }
}

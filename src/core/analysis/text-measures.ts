// The measures the habit report takes of each text (its words, whether it opens with an article, its opening
// and closing phrases, its looping n-grams) from one token scan, and the hash of its identity: an export's card
// measures every caption of a million-record dataset, and cutting each into a string per word took most of
// the export's time. Plain ASCII texts (nearly all captions) are measured here; any other text the plain way
// (text-features.ts), whose definitions these equal (text-measures.test.ts checks them against each other).
import { closingPhraseIn, identityKey, openingPhraseIn, repeatedNgramsIn, startsWithArticleIn, tokensOf, wordsOf, type RepeatedNgram } from '../text/text-features.js';
import { IdentityHasher } from '../text/identity-hash.js';
import { TokenScan } from '../text/token-scan.js';
import { PhraseCounts } from './phrase-counts.js';

export interface TextMeasures {
  /** wordsOf(text).length */
  words: number;
  /** startsWithArticleIn(tokensOf(text)) */
  startsWithArticle: boolean;
  opening: string;
  closing: string;
  /** identityHash(text) */
  identityHash: number;
  /** repeatedNgramsIn(tokensOf(text), n, minTimes) */
  repeats: RepeatedNgram[];
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

function byTimesThenNgram(x: RepeatedNgram, y: RepeatedNgram): number {
  return y.times - x.times || (x.ngram < y.ngram ? -1 : 1);
}

/** The tables a measurer puts its phrases in (each source of a report has its own). */
export interface PhraseTables {
  openings: PhraseCounts;
  closings: PhraseCounts;
  loops: PhraseCounts;
}

export function phraseTables(): PhraseTables {
  return { openings: new PhraseCounts(), closings: new PhraseCounts(), loops: new PhraseCounts() };
}

/** One text's measures with its phrases as ids in the measurer's tables: reused, read before the next text. */
export class MeasuredIds {
  constructor(
    /** The scan the measures were taken from (the text's tokens, until the next text). */
    readonly scan: TokenScan,
  ) {}

  words = 0;
  startsWithArticle = false;
  opening = 0;
  closing = 0;
  identityHash = 0;
  /** Whether some n-gram loops (repeats inside the text). */
  looping = false;
  /**
   * Distinct looping n-grams: the r-th is loop id loopIds[r], found loopTimes[r] times (in no order). Left
   * at 0 by a measurer that does not count loops by phrase.
   */
  loops = 0;
  loopIds = new Int32Array(16);
  loopTimes = new Int32Array(16);

  reserveLoops(n: number): void {
    if (n <= this.loopIds.length) return;
    let size = this.loopIds.length;
    while (size < n) size *= 2;
    this.loopIds = new Int32Array(size);
    this.loopTimes = new Int32Array(size);
  }
}

/** Whether token k of an ASCII text's scan is "a", "an" or "the", in any case. */
function isArticle(scan: TokenScan, k: number): boolean {
  const text = scan.text;
  const from = scan.start[k]!;
  const length = scan.end[k]! - from;
  const at = (i: number) => text.charCodeAt(from + i) | 32;
  if (at(0) !== 97 /* a */) return length === 3 && at(0) === 116 /* t */ && at(1) === 104 /* h */ && at(2) === 101; /* e */
  return length === 1 || (length === 2 && at(1) === 110); /* n */
}

/**
 * Measures texts, reusing one scan; their phrases get ids in `tables` (counting them is the caller's).
 * `loopPhrases` false: a text is only said to loop or not, its looping n-grams not found one by one nor
 * given ids (a dataset card shows the share of captions that loop, not which phrases).
 */
export class TextMeasurer {
  private readonly scan = new TokenScan();
  private readonly identities = new IdentityHasher();
  private readonly result = new MeasuredIds(this.scan);

  constructor(
    private readonly loopN: number,
    private readonly loopMinTimes: number,
    private readonly phraseWords: number,
    readonly tables: PhraseTables = phraseTables(),
    private readonly loopPhrases = true,
  ) {}

  /** The measures with phrases as ids (added to the tables when new, not counted): the report's path. */
  measureIds(text: string): MeasuredIds {
    const scan = this.scan.scan(text);
    if (!scan.ascii) return this.plainIds(text);
    const { result, tables, loopN } = this;
    const count = scan.count;
    const phraseWords = Math.min(count, this.phraseWords);
    result.words = scan.words;
    result.startsWithArticle = count > 0 && isArticle(scan, 0);
    result.opening = tables.openings.idInScan(scan, 0, phraseWords);
    result.closing = tables.closings.idInScan(scan, count - phraseWords, phraseWords);
    result.identityHash = this.identities.hash(text);
    if (!this.loopPhrases) {
      result.looping = scan.hasRepeat(loopN, this.loopMinTimes);
      result.loops = 0;
      return result;
    }
    const found = scan.repeats(loopN, this.loopMinTimes);
    result.reserveLoops(found);
    for (let r = 0; r < found; r++) {
      result.loopIds[r] = tables.loops.idInScan(scan, scan.repeatFirst[r]!, loopN);
      result.loopTimes[r] = scan.repeatTimes[r]!;
    }
    result.loops = found;
    result.looping = found > 0;
    return result;
  }

  /** The measures as strings, repeats in repeatedNgramsIn's order (most times first, then by n-gram). */
  measure(text: string): TextMeasures {
    const m = this.measureIds(text);
    const { openings, closings, loops } = this.tables;
    const repeats: RepeatedNgram[] = [];
    for (let r = 0; r < m.loops; r++) repeats.push({ ngram: loops.phrase(m.loopIds[r]!), times: m.loopTimes[r]! });
    repeats.sort(byTimesThenNgram);
    return {
      words: m.words,
      startsWithArticle: m.startsWithArticle,
      opening: openings.phrase(m.opening),
      closing: closings.phrase(m.closing),
      identityHash: m.identityHash,
      repeats,
    };
  }

  /** The plain measures of a text that is not ASCII, as ids; the scan holds `text` (measureIds took it). */
  private plainIds(text: string): MeasuredIds {
    const m = this.plain(text, this.loopPhrases);
    const { result, tables } = this;
    result.words = m.words;
    result.startsWithArticle = m.startsWithArticle;
    result.opening = tables.openings.idOf(m.opening);
    result.closing = tables.closings.idOf(m.closing);
    result.identityHash = m.identityHash;
    result.looping = this.loopPhrases ? m.repeats.length > 0 : this.scan.hasRepeat(this.loopN, this.loopMinTimes);
    const loops = m.repeats;
    result.reserveLoops(loops.length);
    loops.forEach((r, i) => {
      result.loopIds[i] = tables.loops.idOf(r.ngram);
      result.loopTimes[i] = r.times;
    });
    result.loops = loops.length;
    return result;
  }

  /** The plain definitions, for any text; `repeats` false leaves the looping n-grams out (none listed). */
  plain(text: string, repeats = true): TextMeasures {
    const tokens = tokensOf(text);
    return {
      words: wordsOf(text).length,
      startsWithArticle: startsWithArticleIn(tokens),
      opening: openingPhraseIn(tokens, this.phraseWords),
      closing: closingPhraseIn(tokens, this.phraseWords),
      identityHash: this.identities.hashKey(identityKey(text)),
      repeats: repeats && this.scan.scan(text).hasRepeat(this.loopN, this.loopMinTimes) ? repeatedNgramsIn(tokens, this.loopN, this.loopMinTimes) : [],
    };
  }
}

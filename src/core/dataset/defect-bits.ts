// A record's defect flags (src/shared/defect-flags.ts), computed without a model: what the index's defect
// column holds and the flag filter reads. Most are a record's own: the token limit, a repetition loop, a
// stock phrase, an SSC longer than its DSC, an SSC and a DSC with no content word in common. Two depend on
// the whole dataset, through its thresholds (defect-counter.ts): a length far outside the others' of its
// kind, and a score among the lowest of its kind.
import { TEXT_SOURCES, type Caption, type ManifestRecord, type TextSource } from '../../shared/record.js';
import { defectBit } from '../../shared/defect-flags.js';
import { hasStockPhrase } from '../text/stock-phrases.js';
import { functionWords, LOOP_MIN_TIMES, LOOP_WORDS, wordCount } from '../text/text-features.js';
import { tokenHash, TokenScan } from '../text/token-scan.js';

export interface DatasetThresholds {
  /** Per text kind: word counts outside [low, high] are outliers; null when too few texts to say. */
  length: Record<TextSource, { low: number; high: number } | null>;
  /** Per text kind: scores at or below this are among the lowest; null without enough scores, or when ties leave none. */
  lowScore: Record<TextSource, number | null>;
}

/** The text a record holds for a kind (alt, SSC or DSC), null without one. */
export function textOf(record: ManifestRecord, kind: TextSource): string | null {
  return record[kind]?.text ?? null;
}

// Scratch for the per-record pass: reused, so a million records allocate no scans.
const sscScan = new TokenScan();
const dscScan = new TokenScan();

const LENGTH_LIMIT = defectBit('length-limit');
const REPETITION = defectBit('repetition');
const STOCK_PHRASE = defectBit('stock-phrase');
const SSC_LONGER = defectBit('ssc-longer');
const NO_SHARED_WORDS = defectBit('no-shared-words');
export const LENGTH_OUTLIER = defectBit('length-outlier');
export const LOW_SCORE = defectBit('low-score');

/** A caption scanned already (its scan and whether it loops known), as a habit report measures it. */
export interface ScannedCaption {
  text: string;
  /** The captioner stopped at its token limit (finish "length"). */
  stopped: boolean;
  scan: TokenScan;
  /** scan.hasRepeat(LOOP_WORDS, LOOP_MIN_TIMES) */
  loops: boolean;
}

// Reused, as the scans are: a record's SSC and DSC are described without an object each.
const sscScanned: ScannedCaption = { text: '', stopped: false, scan: sscScan, loops: false };
const dscScanned: ScannedCaption = { text: '', stopped: false, scan: dscScan, loops: false };

/** A caption scanned into `into` (its scan reused), for ownDefectBits. */
function scanned(caption: Caption, into: ScannedCaption): ScannedCaption {
  into.scan.scan(caption.text);
  into.text = caption.text;
  into.stopped = caption.finish === 'length';
  into.loops = into.scan.hasRepeat(LOOP_WORDS, LOOP_MIN_TIMES);
  return into;
}

/** The flags of one caption on its own. */
function captionBits(caption: ScannedCaption): number {
  let bits = 0;
  if (caption.stopped) bits |= LENGTH_LIMIT;
  // A loop as the habit report counts one.
  if (caption.loops) bits |= REPETITION;
  if (hasStockPhrase(caption.text)) bits |= STOCK_PHRASE;
  return bits;
}

/** The flags a record has on its own, from its SSC's and DSC's scans (null: it has none). */
export function ownBitsOfScans(ssc: ScannedCaption | null, dsc: ScannedCaption | null): number {
  let bits = 0;
  if (ssc) bits |= captionBits(ssc);
  if (dsc) bits |= captionBits(dsc);
  if (ssc && dsc && ssc.scan.count > 0 && dsc.scan.count > 0) {
    if (ssc.scan.count > dsc.scan.count) bits |= SSC_LONGER;
    if (!sharesContentWord(ssc.scan, dsc.scan)) bits |= NO_SHARED_WORDS;
  }
  return bits;
}

/**
 * The flags a record has on its own, without the rest of the dataset, as bits (see defectBit). `words`,
 * when given, gets each text's word count (wordCount) in TEXT_SOURCES order (alt, ssc, dsc), NaN for a
 * text it lacks: the captions' from the same scan that finds their flags.
 */
export function ownDefectBits(record: ManifestRecord, words?: Float64Array | Float32Array): number {
  const { ssc, dsc } = record;
  const bits = ownBitsOfScans(ssc ? scanned(ssc, sscScanned) : null, dsc ? scanned(dsc, dscScanned) : null);
  if (words) {
    const alt = textOf(record, 'alt');
    words[0] = alt === null ? NaN : wordCount(alt);
    words[1] = ssc ? sscScan.words : NaN;
    words[2] = dsc ? dscScan.words : NaN;
  }
  return bits;
}

/**
 * The function words' token hashes in a small open-addressing table: asked for every word of every SSC of
 * a million-record `stats`, where a Set of numbers this large (not small integers) costs more.
 */
class HashTable32 {
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;

  constructor(hashes: readonly number[]) {
    let size = 16;
    while (size < hashes.length * 4) size *= 2;
    this.keys = new Uint32Array(size);
    this.used = new Uint8Array(size);
    this.mask = size - 1;
    for (const h of hashes) {
      let slot = this.slotOf(h);
      while (this.used[slot] && this.keys[slot] !== h) slot = (slot + 1) & this.mask;
      this.keys[slot] = h;
      this.used[slot] = 1;
    }
  }

  private slotOf(h: number): number {
    return (Math.imul(h, 0x9e3779b1) >>> 16) & this.mask;
  }

  has(h: number): boolean {
    for (let slot = this.slotOf(h); this.used[slot]; slot = (slot + 1) & this.mask) if (this.keys[slot] === h) return true;
    return false;
  }
}

const FUNCTION_WORD_HASHES = new HashTable32(functionWords().map(tokenHash));

/**
 * Whether the SSC has a content word (not a function word, longer than one letter) that the DSC has too.
 * An SSC without content words is not judged (true). Matches by hash, confirmed letter by letter.
 */
function sharesContentWord(ssc: TokenScan, dsc: TokenScan): boolean {
  const isContent = (scan: TokenScan, k: number) => scan.lengthOf(k) > 1 && !FUNCTION_WORD_HASHES.has(scan.hash[k]!);
  let judged = false;
  for (let a = 0; a < ssc.count; a++) {
    if (!isContent(ssc, a)) continue;
    judged = true;
    const hash = ssc.hash[a]!;
    for (let b = 0; b < dsc.count; b++) if (dsc.hash[b] === hash && ssc.sameAs(a, dsc, b)) return true;
  }
  // Not judged when either caption has no content word.
  if (!judged) return true;
  for (let b = 0; b < dsc.count; b++) if (isContent(dsc, b)) return false;
  return true;
}

/** Whether a text of `words` words (NaN: none) is a length outlier against its kind's fence. */
export function isLengthOutlier(words: number, fence: { low: number; high: number } | null): boolean {
  return fence !== null && !Number.isNaN(words) && (words < fence.low || words > fence.high);
}

/** Whether a score (NaN: none) is among the lowest, at or below its kind's cut. */
export function isLowScore(score: number, cut: number | null): boolean {
  return cut !== null && !Number.isNaN(score) && score <= cut;
}

/** The dataset-level flags of a text of `words` words scored `score` (NaN: none), against the thresholds. */
export function thresholdBits(kind: TextSource, words: number, score: number, thresholds: DatasetThresholds): number {
  return (isLengthOutlier(words, thresholds.length[kind]) ? LENGTH_OUTLIER : 0) | (isLowScore(score, thresholds.lowScore[kind]) ? LOW_SCORE : 0);
}

/**
 * A record's flags, its own and, given the dataset's thresholds (DefectCounter.thresholds), those that
 * depend on the rest: so a record edited after the pass is flagged against the same fences as the others.
 */
export function defectBitsOf(record: ManifestRecord, thresholds: DatasetThresholds | null): number {
  let bits = ownDefectBits(record);
  if (!thresholds) return bits;
  for (const kind of TEXT_SOURCES) {
    const text = textOf(record, kind);
    if (text === null) continue;
    const score = record[kind]?.score;
    bits |= thresholdBits(kind, wordCount(text), typeof score === 'number' ? score : NaN, thresholds);
  }
  return bits;
}

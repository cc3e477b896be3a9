// A record's defect flags (src/shared/defect-flags.ts), computed without a model: what the index's defect
// column holds and the flag filter reads. Most are a record's own: the token limit, a repetition loop, a
// stock phrase, an SSC longer than its DSC, an SSC and a DSC with no content word in common. Two depend on
// the whole dataset, through its thresholds (defect-counter.ts): a length far outside the others' of its
// kind, and a score among the lowest of its kind.
import { CAPTION_KINDS, TEXT_SOURCES, type CaptionKind, type ManifestRecord, type TextSource } from '../../shared/record.js';
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

/** The flags a record has on its own, without the rest of the dataset, as bits (see defectBit). */
export function ownDefectBits(record: ManifestRecord): number {
  let bits = 0;
  const scans: Record<CaptionKind, TokenScan | null> = { ssc: null, dsc: null };
  for (const kind of CAPTION_KINDS) {
    const caption = record[kind];
    if (!caption) continue;
    const scan = (scans[kind] = (kind === 'ssc' ? sscScan : dscScan).scan(caption.text));
    if (caption.finish === 'length') bits |= defectBit('length-limit');
    // A loop as the habit report counts one.
    if (scan.hasRepeat(LOOP_WORDS, LOOP_MIN_TIMES)) bits |= defectBit('repetition');
    if (hasStockPhrase(caption.text)) bits |= defectBit('stock-phrase');
  }
  const { ssc, dsc } = scans;
  if (ssc && dsc && ssc.count > 0 && dsc.count > 0) {
    if (ssc.count > dsc.count) bits |= defectBit('ssc-longer');
    if (!sharesContentWord(ssc, dsc)) bits |= defectBit('no-shared-words');
  }
  return bits;
}

const FUNCTION_WORD_HASHES = new Set(functionWords().map(tokenHash));

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

/** The dataset-level flags of a text of `words` words scored `score` (NaN: none), against the thresholds. */
export function thresholdBits(kind: TextSource, words: number, score: number, thresholds: DatasetThresholds): number {
  let bits = 0;
  const fence = thresholds.length[kind];
  if (fence && !Number.isNaN(words) && (words < fence.low || words > fence.high)) bits |= defectBit('length-outlier');
  const low = thresholds.lowScore[kind];
  if (low !== null && !Number.isNaN(score) && score <= low) bits |= defectBit('low-score');
  return bits;
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

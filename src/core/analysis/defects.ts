// Defect flags (src/shared/defect-flags.ts), computed without a model. Most are a record's own: the token
// limit, a repetition loop, a stock phrase, an SSC longer than its DSC, an SSC and a DSC with no content
// word in common. Two depend on the whole dataset: a length far outside the others' of its kind (Tukey's
// far-out fences), and a score among the lowest of its kind. So a pass keeps each record's own bits and
// its lengths and scores in typed arrays (about 30 bytes a record), and the dataset's flags follow at the end.
import { CAPTION_KINDS, TEXT_SOURCES, type CaptionKind, type ManifestRecord, type TextSource } from '../../shared/record.js';
import { defectBit, DEFECT_FLAGS, type DefectFlag } from '../../shared/defect-flags.js';
import { DEFAULT_CLOSING_PATTERNS, DEFAULT_OPENING_PATTERNS, cutClosingSentence, stripOpening } from './normalizers.js';
import { percentile } from './distribution.js';
import { functionWords, LOOP_MIN_TIMES, LOOP_WORDS, wordCount } from './text-features.js';
import { tokenHash, TokenScan } from './token-scan.js';

export interface DefectOptions {
  /** Tukey's fence factor on word counts: 3 is "far out", so only lengths that stand out are flagged. */
  outlierFence: number;
  /** Texts of a kind needed before its lengths or scores say what is unusual. */
  minTexts: number;
  /** Share of the lowest scores of a kind that are flagged. */
  lowScoreShare: number;
}

export const DEFAULT_DEFECT_OPTIONS: DefectOptions = { outlierFence: 3, minTexts: 20, lowScoreShare: 0.05 };

function textOf(record: ManifestRecord, kind: TextSource): string | null {
  return record[kind]?.text ?? null;
}

// Scratch for the per-record pass: reused, so a million records allocate no scans.
const sscScan = new TokenScan();
const dscScan = new TokenScan();

/** Whether a caption opens or closes with one of the stock phrases the normalizers remove. */
export function hasStockPhrase(text: string): boolean {
  return stripOpening(text, DEFAULT_OPENING_PATTERNS) !== text || cutClosingSentence(text, DEFAULT_CLOSING_PATTERNS) !== text;
}

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
function thresholdBits(kind: TextSource, words: number, score: number, thresholds: DatasetThresholds): number {
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

/** A growable column of numbers, NaN where a record has no value. */
class NumberColumn {
  private values = new Float64Array(1024);
  size = 0;

  push(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.size * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  at(row: number): number {
    return this.values[row]!;
  }

  /** The values that are there, sorted. */
  present(): Float64Array {
    return this.values.slice(0, this.size).filter((v) => !Number.isNaN(v)).sort();
  }
}

/**
 * The highest score flagged as among the lowest `share` of `sorted`: the value at that rank (nearest rank),
 * except that scores equal to it are flagged only when all of them fit within the share. So a tie never
 * flags more than the share (scores all equal flag nothing), and the cut steps below it. Null: no cut.
 */
export function lowScoreCut(sorted: ArrayLike<number>, share: number): number | null {
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  const cut = sorted[rank - 1]!;
  if (rank === sorted.length || sorted[rank] !== cut) return cut;
  let below = rank - 1;
  while (below >= 0 && sorted[below] === cut) below--;
  return below < 0 ? null : sorted[below]!;
}

export interface DatasetThresholds {
  /** Per text kind: word counts outside [low, high] are outliers; null when too few texts to say. */
  length: Record<TextSource, { low: number; high: number } | null>;
  /** Per text kind: scores at or below this are among the lowest; null without enough scores, or when ties leave none. */
  lowScore: Record<TextSource, number | null>;
}

export interface DefectSummary {
  /** Records with each flag. */
  counts: Record<DefectFlag, number>;
  /** Records with at least one flag. */
  flagged: number;
  thresholds: DatasetThresholds;
}

/** Flags records one at a time (a manifest can stream by), then the dataset's own flags at the end. */
export class DefectCounter {
  private own = new Uint8Array(1024);
  private rows = 0;
  private readonly lengths = Object.fromEntries(TEXT_SOURCES.map((k) => [k, new NumberColumn()])) as Record<TextSource, NumberColumn>;
  private readonly scores = Object.fromEntries(TEXT_SOURCES.map((k) => [k, new NumberColumn()])) as Record<TextSource, NumberColumn>;

  constructor(private readonly options: DefectOptions = DEFAULT_DEFECT_OPTIONS) {}

  add(record: ManifestRecord): void {
    if (this.rows === this.own.length) {
      const grown = new Uint8Array(this.rows * 2);
      grown.set(this.own);
      this.own = grown;
    }
    this.own[this.rows++] = ownDefectBits(record);
    for (const kind of TEXT_SOURCES) {
      const text = textOf(record, kind);
      this.lengths[kind].push(text === null ? NaN : wordCount(text));
      const score = record[kind]?.score;
      this.scores[kind].push(text !== null && typeof score === 'number' ? score : NaN);
    }
  }

  thresholds(): DatasetThresholds {
    const { minTexts, outlierFence, lowScoreShare } = this.options;
    const length = {} as DatasetThresholds['length'];
    const lowScore = {} as DatasetThresholds['lowScore'];
    for (const kind of TEXT_SOURCES) {
      const sorted = this.lengths[kind].present();
      if (sorted.length < minTexts) length[kind] = null;
      else {
        const q1 = percentile(sorted, 25);
        const q3 = percentile(sorted, 75);
        const iqr = q3 - q1;
        length[kind] = { low: q1 - outlierFence * iqr, high: q3 + outlierFence * iqr };
      }
      const scores = this.scores[kind].present();
      lowScore[kind] = scores.length < minTexts ? null : lowScoreCut(scores, lowScoreShare);
    }
    return { length, lowScore };
  }

  /** Every record's flags as bits, in the order they were added. */
  bits(thresholds = this.thresholds()): Uint8Array {
    const out = this.own.slice(0, this.rows);
    for (let row = 0; row < this.rows; row++) {
      for (const kind of TEXT_SOURCES) out[row]! |= thresholdBits(kind, this.lengths[kind].at(row), this.scores[kind].at(row), thresholds);
    }
    return out;
  }

  summary(): DefectSummary {
    const thresholds = this.thresholds();
    const counts = Object.fromEntries(DEFECT_FLAGS.map((f) => [f, 0])) as Record<DefectFlag, number>;
    let flagged = 0;
    for (const bits of this.bits(thresholds)) {
      if (bits !== 0) flagged++;
      for (const flag of DEFECT_FLAGS) if (bits & defectBit(flag)) counts[flag]++;
    }
    return { counts, flagged, thresholds };
  }
}

// The dataset's side of the defect flags: a pass keeps each record's own bits and its lengths and scores in
// typed arrays (37 bytes a record), and at the end the dataset's length fences (Tukey's far-out
// fences) and low-score cuts give the flags that depend on the rest.
import { TEXT_SOURCES, type ManifestRecord } from '../../shared/record.js';
import { defectBit, DEFECT_FLAGS, type DefectFlag } from '../../shared/defect-flags.js';
import { percentile, percentileOfCounts } from '../text/distribution.js';
import { isLengthOutlier, isLowScore, LENGTH_OUTLIER, LOW_SCORE, ownDefectBits, type DatasetThresholds } from './defect-bits.js';

export interface DefectOptions {
  /** Tukey's fence factor on word counts: 3 is "far out", so only lengths that stand out are flagged. */
  outlierFence: number;
  /** Texts of a kind needed before its lengths or scores say what is unusual. */
  minTexts: number;
  /** Share of the lowest scores of a kind that are flagged. */
  lowScoreShare: number;
}

export const DEFAULT_DEFECT_OPTIONS: DefectOptions = { outlierFence: 3, minTexts: 20, lowScoreShare: 0.05 };

/**
 * A defect pass's columns, row by row: each record's own flags, and each text's word count (exact in a
 * Float32Array: a line of at most MAX_LINE_BYTES has far fewer than 2^24 words) and score, in TEXT_SOURCES
 * order (NaN: none).
 */
export interface DefectColumns {
  rows: number;
  own: Uint8Array;
  words: Float32Array[];
  scores: Float64Array[];
}

const KINDS = TEXT_SOURCES.length;
const FLAG_BITS = DEFECT_FLAGS.map(defectBit);
/** Word counts up to this are counted in a histogram; a longer text sends its kind to a sort. */
const HISTOGRAM_WORDS = 1 << 16;

/** The values of a column that are there (not NaN) in the parts' rows, sorted. */
function presentSorted(parts: readonly DefectColumns[], column: (p: DefectColumns) => Float32Array | Float64Array): Float64Array {
  // Counted first: most datasets have no scores, and a column of a million NaNs needs no copy.
  let n = 0;
  for (const part of parts) {
    const values = column(part);
    for (let row = 0; row < part.rows; row++) if (values[row] === values[row]) n++;
  }
  const out = new Float64Array(n);
  n = 0;
  for (const part of parts) {
    const values = column(part);
    for (let row = 0; row < part.rows; row++) {
      const v = values[row]!;
      if (v === v) out[n++] = v;
    }
  }
  return out.sort();
}

/** Quartiles 1 and 3 of kind k's word counts in the parts (whole numbers: counted, not sorted); null below minTexts. */
function wordQuartiles(parts: readonly DefectColumns[], k: number, minTexts: number): [number, number] | null {
  const counts = new Uint32Array(HISTOGRAM_WORDS + 1);
  let n = 0;
  for (const part of parts) {
    const words = part.words[k]!;
    for (let row = 0; row < part.rows; row++) {
      const v = words[row]!;
      if (v !== v) continue;
      if (v > HISTOGRAM_WORDS) {
        const sorted = presentSorted(parts, (p) => p.words[k]!);
        return sorted.length < minTexts ? null : [percentile(sorted, 25), percentile(sorted, 75)];
      }
      counts[v]!++;
      n++;
    }
  }
  return n < minTexts ? null : [percentileOfCounts(counts, n, 25), percentileOfCounts(counts, n, 75)];
}

/** The dataset's thresholds over the rows of `parts` (one pass's columns, or a pass's parts in order). */
export function thresholdsOf(parts: readonly DefectColumns[], options: DefectOptions = DEFAULT_DEFECT_OPTIONS): DatasetThresholds {
  const { minTexts, outlierFence, lowScoreShare } = options;
  const length = {} as DatasetThresholds['length'];
  const lowScore = {} as DatasetThresholds['lowScore'];
  for (const [k, kind] of TEXT_SOURCES.entries()) {
    const quartiles = wordQuartiles(parts, k, minTexts);
    if (!quartiles) length[kind] = null;
    else {
      const [q1, q3] = quartiles;
      const iqr = q3 - q1;
      length[kind] = { low: q1 - outlierFence * iqr, high: q3 + outlierFence * iqr };
    }
    const scores = presentSorted(parts, (p) => p.scores[k]!);
    lowScore[kind] = scores.length < minTexts ? null : lowScoreCut(scores, lowScoreShare);
  }
  return { length, lowScore };
}

/** Each row's flags in `part`, its own and the thresholds'. */
function rowBits(part: DefectColumns, thresholds: DatasetThresholds): Uint8Array {
  const out = part.own.slice(0, part.rows);
  // Kind by kind and test by test, its thresholds read once: this runs over a million rows in `stats`.
  for (const [k, kind] of TEXT_SOURCES.entries()) {
    const fence = thresholds.length[kind];
    const cut = thresholds.lowScore[kind];
    if (fence) {
      const words = part.words[k]!;
      for (let row = 0; row < part.rows; row++) if (isLengthOutlier(words[row]!, fence)) out[row]! |= LENGTH_OUTLIER;
    }
    if (cut !== null) {
      const scores = part.scores[k]!;
      for (let row = 0; row < part.rows; row++) if (isLowScore(scores[row]!, cut)) out[row]! |= LOW_SCORE;
    }
  }
  return out;
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

export interface DefectSummary {
  /** Records with each flag. */
  counts: Record<DefectFlag, number>;
  /** Records with at least one flag. */
  flagged: number;
  thresholds: DatasetThresholds;
}

/** Records with each flag over the rows of `parts`, against the parts' own thresholds. */
export function summaryOf(parts: readonly DefectColumns[], options: DefectOptions = DEFAULT_DEFECT_OPTIONS): DefectSummary {
  const thresholds = thresholdsOf(parts, options);
  // Rows counted by their flags' pattern (a byte), then each flag from the patterns that have it.
  const patterns = new Float64Array(256);
  for (const part of parts) {
    const bits = rowBits(part, thresholds);
    for (let row = 0; row < part.rows; row++) patterns[bits[row]!]!++;
  }
  const counts = Object.fromEntries(DEFECT_FLAGS.map((f) => [f, 0])) as Record<DefectFlag, number>;
  let flagged = 0;
  for (let pattern = 1; pattern < 256; pattern++) {
    const rows = patterns[pattern]!;
    if (rows === 0) continue;
    flagged += rows;
    for (const [f, flag] of DEFECT_FLAGS.entries()) if (pattern & FLAG_BITS[f]!) counts[flag] += rows;
  }
  return { counts, flagged, thresholds };
}

/** Makes `row` of `part` count for nothing (a line found to be a duplicate after its pass). */
export function clearRow(part: DefectColumns, row: number): void {
  part.own[row] = 0;
  for (let k = 0; k < KINDS; k++) {
    part.words[k]![row] = NaN;
    part.scores[k]![row] = NaN;
  }
}

function grown<T extends Uint8Array | Float32Array | Float64Array>(a: T, size: number, fill: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** Flags records one at a time (a manifest can stream by), then the dataset's own flags at the end. */
export class DefectCounter {
  private own = new Uint8Array(1024);
  private words: Float32Array[] = TEXT_SOURCES.map(() => new Float32Array(1024).fill(NaN));
  private scores: Float64Array[] = TEXT_SOURCES.map(() => new Float64Array(1024).fill(NaN));
  private rows = 0;
  private readonly rowWords = new Float32Array(KINDS);
  private readonly rowScores = new Float64Array(KINDS);

  constructor(private readonly options: DefectOptions = DEFAULT_DEFECT_OPTIONS) {}

  /** The rows so far, as views on the counter's own arrays. */
  columns(): DefectColumns {
    const rows = this.rows;
    return { rows, own: this.own.subarray(0, rows), words: this.words.map((c) => c.subarray(0, rows)), scores: this.scores.map((c) => c.subarray(0, rows)) };
  }

  /** Room for `rows` rows in all (a pass that can guess its size grows once). */
  reserve(rows: number): void {
    if (rows <= this.own.length) return;
    this.own = grown(this.own, rows, 0);
    this.words = this.words.map((c) => grown(c, rows, NaN));
    this.scores = this.scores.map((c) => grown(c, rows, NaN));
  }

  private nextRow(): number {
    if (this.rows === this.own.length) this.reserve(this.rows * 2);
    return this.rows++;
  }

  add(record: ManifestRecord): void {
    const own = ownDefectBits(record, this.rowWords);
    for (let k = 0; k < KINDS; k++) {
      const score = record[TEXT_SOURCES[k]!]?.score;
      this.rowScores[k] = typeof score === 'number' ? score : NaN;
    }
    this.addRow(own, this.rowWords, this.rowScores);
  }

  /**
   * A row whose own flags were found elsewhere (ownBitsOfScans), with its texts' word counts and scores in
   * TEXT_SOURCES order (NaN: no text, no score; a score without its text counts for nothing).
   */
  addRow(own: number, words: ArrayLike<number>, scores: ArrayLike<number>): void {
    const row = this.nextRow();
    this.own[row] = own;
    for (let k = 0; k < KINDS; k++) {
      const n = words[k]!;
      this.words[k]![row] = n;
      if (n === n) this.scores[k]![row] = scores[k]!;
    }
  }

  /** A row that counts for nothing (a record that is not there), so rows stay aligned with another column. */
  addNothing(): void {
    this.nextRow();
  }

  thresholds(): DatasetThresholds {
    return thresholdsOf([this.columns()], this.options);
  }

  /** Every record's flags as bits, in the order they were added. */
  bits(thresholds = this.thresholds()): Uint8Array {
    return rowBits(this.columns(), thresholds);
  }

  summary(): DefectSummary {
    return summaryOf([this.columns()], this.options);
  }
}

// The dataset's side of the defect flags: a pass keeps each record's own bits and its lengths and scores in
// typed arrays (about 30 bytes a record), and at the end the dataset's length fences (Tukey's far-out
// fences) and low-score cuts give the flags that depend on the rest.
import { TEXT_SOURCES, type ManifestRecord, type TextSource } from '../../shared/record.js';
import { defectBit, DEFECT_FLAGS, type DefectFlag } from '../../shared/defect-flags.js';
import { percentile } from '../text/distribution.js';
import { wordCount } from '../text/text-features.js';
import { ownDefectBits, textOf, thresholdBits, type DatasetThresholds } from './defect-bits.js';

export interface DefectOptions {
  /** Tukey's fence factor on word counts: 3 is "far out", so only lengths that stand out are flagged. */
  outlierFence: number;
  /** Texts of a kind needed before its lengths or scores say what is unusual. */
  minTexts: number;
  /** Share of the lowest scores of a kind that are flagged. */
  lowScoreShare: number;
}

export const DEFAULT_DEFECT_OPTIONS: DefectOptions = { outlierFence: 3, minTexts: 20, lowScoreShare: 0.05 };

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

// Summary numbers and shared histogram bins for caption lengths.

export interface LengthSummary {
  mean: number;
  median: number;
  /** Nearest-rank percentiles: the smallest value with at least p% of the values at or below it. */
  p10: number;
  p90: number;
  min: number;
  max: number;
}

/** The nearest rank (1-based) of the p-th percentile among n values. */
function nearestRank(n: number, p: number): number {
  return Math.max(1, Math.ceil((p / 100) * n));
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[nearestRank(sorted.length, p) - 1]!;
}

/** percentile() of n whole numbers given as a histogram: counts[v] of them equal v. */
export function percentileOfCounts(counts: ArrayLike<number>, n: number, p: number): number {
  if (n === 0) return 0;
  const rank = nearestRank(n, p);
  let seen = 0;
  for (let v = 0; v < counts.length; v++) {
    seen += counts[v]!;
    if (seen >= rank) return v;
  }
  return counts.length - 1;
}

export function summarize(values: readonly number[]): LengthSummary {
  if (values.length === 0) return { mean: 0, median: 0, p10: 0, p90: 0, min: 0, max: 0 };
  // A typed array sorts numbers natively, far faster than a comparator over a million captions' scores.
  const sorted = new Float64Array(values).sort();
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return {
    mean: sorted.reduce((a, b) => a + b, 0) / n,
    median: n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    p10: percentile(sorted, 10),
    p90: percentile(sorted, 90),
    min: sorted[0]!,
    max: sorted[n - 1]!,
  };
}

/** A bin [from, to): `to` is exclusive. */
export interface Bin {
  from: number;
  to: number;
}

const NICE_WIDTHS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/**
 * Bins of one width from 0, the narrowest "nice" width that covers 0..max in at most maxBins bins.
 * Every source is counted into the same bins, so their histograms can be drawn side by side.
 */
export function sharedBins(max: number, maxBins = 20): Bin[] {
  const width = NICE_WIDTHS.find((w) => Math.floor(max / w) + 1 <= maxBins) ?? Math.ceil((max + 1) / maxBins);
  const count = Math.floor(max / width) + 1;
  return Array.from({ length: count }, (_, i) => ({ from: i * width, to: (i + 1) * width }));
}

export function histogram(values: readonly number[], bins: readonly Bin[]): number[] {
  const counts: number[] = bins.map(() => 0);
  const width = bins[0] ? bins[0].to - bins[0].from : 1;
  for (const v of values) {
    const i = Math.min(bins.length - 1, Math.floor(v / width));
    counts[i] = counts[i]! + 1;
  }
  return counts;
}

/** Values below this are counted by value; larger ones (a pathological caption's length) are kept to sort. */
const DENSE_VALUES = 1 << 16;

/**
 * Whole numbers (captions' word counts) counted by value: their summary and histogram equal summarize()'s
 * and histogram()'s of the same values, without holding or sorting a million of them.
 */
export class WholeNumberCounts {
  private dense = new Float64Array(64);
  private readonly large: number[] = [];
  private sum = 0;
  count = 0;
  max = 0;

  /** Counts `v`, a whole number ≥ 0. */
  add(v: number): void {
    if (v < DENSE_VALUES) {
      if (v >= this.dense.length) {
        let size = this.dense.length;
        while (size <= v) size *= 2;
        const dense = new Float64Array(size);
        dense.set(this.dense);
        this.dense = dense;
      }
      this.dense[v]!++;
    } else this.large.push(v);
    this.count++;
    // Whole numbers: their sum is exact in any order (below 2^53), as summarize's sorted sum is.
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  summary(): LengthSummary {
    const n = this.count;
    if (n === 0) return { mean: 0, median: 0, p10: 0, p90: 0, min: 0, max: 0 };
    const at = this.ranks();
    const mid = Math.floor(n / 2);
    return {
      mean: this.sum / n,
      median: n % 2 === 1 ? at(mid + 1) : (at(mid) + at(mid + 1)) / 2,
      p10: at(nearestRank(n, 10)),
      p90: at(nearestRank(n, 90)),
      min: at(1),
      max: this.max,
    };
  }

  histogram(bins: readonly Bin[]): number[] {
    const counts: number[] = bins.map(() => 0);
    const width = bins[0] ? bins[0].to - bins[0].from : 1;
    const binOf = (v: number) => Math.min(bins.length - 1, Math.floor(v / width));
    for (let v = 0; v < this.dense.length; v++) if (this.dense[v]! > 0) counts[binOf(v)]! += this.dense[v]!;
    for (const v of this.large) counts[binOf(v)]!++;
    return counts;
  }

  /** The value at a rank (1-based) in sorted order. */
  private ranks(): (rank: number) => number {
    const large = Float64Array.from(this.large).sort();
    return (rank) => {
      let seen = 0;
      for (let v = 0; v < this.dense.length; v++) {
        seen += this.dense[v]!;
        if (seen >= rank) return v;
      }
      return large[rank - seen - 1]!;
    };
  }
}

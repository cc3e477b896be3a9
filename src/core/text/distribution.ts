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
  // A typed array sorts numbers natively, far faster than a comparator over a million captions' lengths.
  const sorted = Float64Array.from(values).sort();
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

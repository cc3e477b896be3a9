// A set of positions kept as sorted, disjoint, half-open ranges: a selection of a million rows (Ctrl+A) is
// one range, a Ctrl+click a few more. The webview's multi-select holds one; the host reads its ranges.

export type Range = readonly [start: number, end: number];

/** Most ranges a selection sent to the host may hold (each Ctrl+click adds at most one). */
export const MAX_SELECTION_RANGES = 10_000;

export class RangeSet {
  private list: [number, number][] = [];

  static of(ranges: readonly Range[]): RangeSet {
    const set = new RangeSet();
    for (const [a, b] of ranges) set.add(a, b);
    return set;
  }

  /** Positions held. */
  get size(): number {
    let n = 0;
    for (const [a, b] of this.list) n += b - a;
    return n;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  ranges(): readonly Range[] {
    return this.list.map(([a, b]) => [a, b] as const);
  }

  has(position: number): boolean {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = this.list[mid]!;
      if (position < a) hi = mid - 1;
      else if (position >= b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Adds [start, end), merging with the ranges it touches. */
  add(start: number, end: number): void {
    if (!(end > start)) return;
    const out: [number, number][] = [];
    let s = start;
    let e = end;
    for (const [a, b] of this.list) {
      if (b < s || a > e) out.push([a, b]);
      else {
        s = Math.min(s, a);
        e = Math.max(e, b);
      }
    }
    out.push([s, e]);
    this.list = out.sort((x, y) => x[0] - y[0]);
  }

  /** Removes [start, end), splitting a range it falls inside. */
  remove(start: number, end: number): void {
    if (!(end > start)) return;
    const out: [number, number][] = [];
    for (const [a, b] of this.list) {
      if (b <= start || a >= end) out.push([a, b]);
      else {
        if (a < start) out.push([a, start]);
        if (b > end) out.push([end, b]);
      }
    }
    this.list = out;
  }

  toggle(position: number): void {
    if (this.has(position)) this.remove(position, position + 1);
    else this.add(position, position + 1);
  }

  clear(): void {
    this.list = [];
  }
}

/**
 * The positions `ranges` cover, as sorted, disjoint ranges: overlapping, touching or repeated ranges become
 * one, so a selection is never expanded into more positions than it holds (O(n log n) in the ranges).
 */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Whether two range lists hold the same ranges (a selection re-sent unchanged is not a new scope). */
export function sameRanges(a: readonly Range[] | undefined, b: readonly Range[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every(([s, e], i) => s === b[i]![0] && e === b[i]![1]);
}

/** What is wrong with ranges sent over a message, or null (their fit to the list is checked where they are used). */
export function checkRanges(value: unknown): string | null {
  if (!Array.isArray(value) || value.length > MAX_SELECTION_RANGES) return `ranges must be a list of at most ${MAX_SELECTION_RANGES} [start, end] pairs`;
  for (const r of value) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1]) || r[0] < 0 || r[1] <= r[0]) return 'each range must be [start, end] with 0 <= start < end';
  }
  return null;
}

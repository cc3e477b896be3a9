// The top lists of the habit report (most common openings, closings, loops, duplicates), taken from counts
// that may hold a distinct entry per caption of a million without sorting them all.
import { identityKey } from '../text/text-features.js';
import type { HashCounts } from './text-measures.js';

export interface PhraseCount {
  phrase: string;
  count: number;
  /** count / captions of this source. */
  share: number;
}

/**
 * The `top` most common phrases, most common first, then in code-unit order: one pass keeping the best few
 * (a map may hold a distinct phrase per caption of a million).
 */
export function topCounts(counts: Iterable<readonly [string, number]>, total: number, top: number, minCount = 1): PhraseCount[] {
  const best: (readonly [string, number])[] = [];
  const before = (a: readonly [string, number], b: readonly [string, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  for (const entry of counts) {
    if (entry[1] < minCount || top === 0) continue;
    if (best.length === top && !before(entry, best[top - 1]!)) continue;
    let at = Math.min(best.length, top - 1);
    while (at > 0 && before(entry, best[at - 1]!)) at--;
    best.splice(at, 0, entry);
    if (best.length > top) best.pop();
  }
  return best.map(([phrase, count]) => ({ phrase, count, share: count / total }));
}

/** Repeated texts kept before the first pruning, and at least that many between two (a prune reads them all). */
const KEPT_BEFORE_PRUNING = 4096;

/**
 * The texts of repeated identities that can still make the top list of duplicates, as their counts grow
 * text by text. Every identity counted `keepFrom` times or more has its text kept: it is taken when its
 * count reaches `keepFrom` (counts grow one at a time, so none passes it unseen). When too many are kept,
 * `keepFrom` is raised to the `top`-th largest count kept and the texts below it are dropped. That bound
 * never exceeds the final list's lowest count (counts only grow), so the list is exact, and a dataset
 * whose captions repeat in the hundreds of thousands keeps a few thousand texts, not all of them.
 */
export class RepeatedTexts {
  private readonly texts = new Map<number, string>();
  private keepFrom = 2;
  private limit = KEPT_BEFORE_PRUNING;

  constructor(
    private readonly counts: HashCounts,
    private readonly top: number,
  ) {}

  /** The text's identity has just been counted `count` times. */
  counted(key: number, text: string, count: number): void {
    if (count !== this.keepFrom || this.top === 0) return;
    this.texts.set(key, text);
    if (this.texts.size > this.limit) this.prune();
  }

  private prune(): void {
    const cut = this.cut();
    for (const key of this.texts.keys()) if (this.counts.get(key) < cut) this.texts.delete(key);
    this.keepFrom = cut;
    // Counts that tie keep every text: the next prune waits until twice as many are kept again.
    this.limit = Math.max(KEPT_BEFORE_PRUNING, 2 * this.texts.size);
  }

  /** The `top`-th largest count kept: a text below it cannot make the list, whatever its identity (`keepFrom` with fewer kept). */
  private cut(): number {
    if (this.texts.size <= this.top) return this.keepFrom;
    const all: number[] = [];
    for (const key of this.texts.keys()) all.push(this.counts.get(key));
    return all.sort((a, b) => b - a)[this.top - 1]!;
  }

  /**
   * The identities with their counts of every text that can make the list: only those are made identities
   * (making every one costs seconds on a million captions).
   */
  candidates(): Map<string, number> {
    const cut = this.cut();
    const duplicates = new Map<string, number>();
    for (const [key, text] of this.texts) {
      const count = this.counts.get(key);
      if (count >= cut) duplicates.set(identityKey(text), count);
    }
    return duplicates;
  }
}

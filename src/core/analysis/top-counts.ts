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

/**
 * The repeated texts' identities with their counts, for the `top` list: only the texts whose count can make
 * the list are made identities (making every one costs seconds on a million captions).
 */
export function topRepeated(repeated: ReadonlyMap<number, string>, counts: HashCounts, top: number): Map<string, number> {
  const all: number[] = [];
  for (const key of repeated.keys()) all.push(counts.get(key));
  // The top-th largest count: a text below it cannot make the list, whatever its identity.
  const cut = all.length <= top ? 0 : all.sort((a, b) => b - a)[top - 1]!;
  const duplicates = new Map<string, number>();
  for (const [key, text] of repeated) {
    const count = counts.get(key);
    if (count >= cut) duplicates.set(identityKey(text), count);
  }
  return duplicates;
}

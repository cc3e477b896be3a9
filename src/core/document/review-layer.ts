// Unsaved review states too many to hold as whole captions (a bulk approve of a million records): one byte
// per record and caption kind, by position in the base's name list. About 2 MB a million records, where the
// overlay would hold a parsed caption per record.
import { CAPTION_KINDS, type CaptionKind, type ReviewState } from '../../shared/record.js';
import { compareFileNames } from '../dataset/manifest-codec.js';
import type { ManifestStore } from '../dataset/manifest-store.js';
import type { ReviewOverrides } from '../dataset/record-overrides.js';

/** A slot's code: 0 holds nothing; otherwise 1 + the review's index here. */
const REVIEW_CODES: readonly ReviewState[] = [null, 'approved', 'rejected'];
export const NO_REVIEW_SLOT = 0;

export function reviewCode(review: ReviewState | undefined): number {
  return review === undefined ? NO_REVIEW_SLOT : REVIEW_CODES.indexOf(review) + 1;
}

export function reviewOfCode(code: number): ReviewState | undefined {
  return code === NO_REVIEW_SLOT ? undefined : REVIEW_CODES[code - 1];
}

const kindIndex = (kind: CaptionKind): number => (kind === 'ssc' ? 0 : 1);

export interface ReviewSlot {
  fileName: string;
  row: number;
  kind: CaptionKind;
  review: ReviewState;
}

export class ReviewLayer {
  private names: readonly string[] = [];
  /** Per row, SSC then DSC; allocated at the first slot set. */
  private codes = new Uint8Array(0);
  private count = 0;

  /** Slots held. */
  get size(): number {
    return this.count;
  }

  /** The name list the rows refer to. */
  get rowNames(): readonly string[] {
    return this.names;
  }

  /**
   * Re-keys the slots to `names` (the base's list after records were added, or a new base), by name: both
   * lists are sorted, so one merge walk. A slot whose record is gone is dropped.
   */
  align(names: readonly string[]): void {
    if (names === this.names) return;
    const old = this.names;
    const oldCodes = this.codes;
    this.names = names;
    this.codes = new Uint8Array(0);
    const held = this.count;
    this.count = 0;
    if (held === 0) return;
    for (let i = 0, j = 0; i < old.length && j < names.length; ) {
      const c = compareFileNames(old[i]!, names[j]!);
      if (c < 0) i++;
      else if (c > 0) j++;
      else {
        for (let k = 0; k < 2; k++) if (oldCodes[i * 2 + k]) this.setCode(j, k, oldCodes[i * 2 + k]!);
        i++;
        j++;
      }
    }
  }

  /** The unsaved review of a row's caption, or undefined when the layer holds none. */
  get(row: number, kind: CaptionKind): ReviewState | undefined {
    return row < 0 || row * 2 >= this.codes.length ? undefined : reviewOfCode(this.codes[row * 2 + kindIndex(kind)]!);
  }

  has(row: number): boolean {
    return row >= 0 && row * 2 < this.codes.length && (this.codes[row * 2]! !== 0 || this.codes[row * 2 + 1]! !== 0);
  }

  /** Row of `fileName` in the layer's list; `hint` is tried first (a caller's row in the same list). */
  rowOf(fileName: string, hint = -1): number {
    if (hint >= 0 && this.names[hint] === fileName) return hint;
    let lo = 0;
    let hi = this.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareFileNames(this.names[mid]!, fileName);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Sets (or with undefined, clears) a row's slot. */
  set(row: number, kind: CaptionKind, review: ReviewState | undefined): void {
    if (row < 0 || row >= this.names.length) return;
    this.setCode(row, kindIndex(kind), reviewCode(review));
  }

  private setCode(row: number, k: number, code: number): void {
    if (this.codes.length === 0) {
      if (code === NO_REVIEW_SLOT) return;
      this.codes = new Uint8Array(this.names.length * 2);
    }
    const at = row * 2 + k;
    const before = this.codes[at]!;
    if (before === code) return;
    this.codes[at] = code;
    if (before === NO_REVIEW_SLOT) this.count++;
    else if (code === NO_REVIEW_SLOT) this.count--;
  }

  clear(): void {
    this.codes = new Uint8Array(0);
    this.count = 0;
  }

  /** The slots, in row order. */
  *slots(): IterableIterator<ReviewSlot> {
    if (this.count === 0) return;
    for (let row = 0; row < this.names.length; row++) {
      for (let k = 0; k < 2; k++) {
        const code = this.codes[row * 2 + k]!;
        if (code !== NO_REVIEW_SLOT) yield { fileName: this.names[row]!, row, kind: CAPTION_KINDS[k]!, review: reviewOfCode(code)! };
      }
    }
  }

  /** A copy, to tell after a save which slots changed while it wrote. */
  snapshot(): ReviewLayer {
    const copy = new ReviewLayer();
    copy.names = this.names;
    copy.codes = this.codes.slice();
    copy.count = this.count;
    return copy;
  }
}

/** Reviews looked up in a layer, for the store's queries and saves (its rows are the store's rows). */
export function overridesOf(layer: ReviewLayer): ReviewOverrides {
  return {
    has: (name, row) => layer.has(layer.rowOf(name, row)),
    get: (name, row, kind) => layer.get(layer.rowOf(name, row), kind),
  };
}

/**
 * Moves the layer's reviews from `old` onto a new base, by name. A review stays only where the caption looks
 * the same (author and length, from the columns: a million records are not parsed twice) and the new base's
 * review differs; a caption changed on disk is no longer the one reviewed.
 */
export function rebaseReviews(layer: ReviewLayer, old: ManifestStore, fresh: ManifestStore): void {
  const moved: { row: number; kind: CaptionKind; review: ReviewState }[] = [];
  for (const slot of layer.slots()) {
    const was = old.factsAt(slot.row)[slot.kind];
    const row = fresh.positionOf(slot.fileName);
    const now = row < 0 ? null : fresh.factsAt(row)[slot.kind];
    if (!was || !now || was.by !== now.by || was.length !== now.length || now.review === slot.review) continue;
    moved.push({ row, kind: slot.kind, review: slot.review });
  }
  layer.clear();
  layer.align(fresh.names());
  for (const m of moved) layer.set(m.row, m.kind, m.review);
}

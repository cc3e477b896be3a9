// What the counts of `recaption stats` and the audit read from a record, packed in one small integer: a
// pass split over threads keeps a column of these instead of the records, and the counters read them.
import { CAPTION_AUTHORS, CAPTION_KINDS, type Caption, type CaptionAuthor, type CaptionKind, type ManifestRecord } from '../../shared/record.js';

export const FACT_MISSING = 1;
export const FACT_ALT = 2;
export const FACT_ERROR = 4;
export const FACT_STALE = 8;
/** In the audit sample (`"audit": true`). */
export const FACT_AUDIT = 16;

/** A caption's facts: present, its author (2 bits) and its review (2 bits), at a kind's own shift. */
const CAPTION_SHIFT: Record<CaptionKind, number> = { ssc: 5, dsc: 10 };
const PRESENT = 1;
const AUTHOR_SHIFT = 1;
const REVIEW_SHIFT = 3;

/** Review states: none (null), approved, rejected, and anything else that is not null. */
export const REVIEW_NONE = 0;
export const REVIEW_APPROVED = 1;
export const REVIEW_REJECTED = 2;
export const REVIEW_OTHER = 3;

const AUTHOR_CODE = new Map<string, number>(CAPTION_AUTHORS.map((a, i) => [a, i]));

function captionFacts(c: Caption | null): number {
  if (!c) return 0;
  const review = c.review === null ? REVIEW_NONE : c.review === 'approved' ? REVIEW_APPROVED : c.review === 'rejected' ? REVIEW_REJECTED : REVIEW_OTHER;
  return PRESENT | (AUTHOR_CODE.get(c.by)! << AUTHOR_SHIFT) | (review << REVIEW_SHIFT);
}

/** Facts values are below this (15 bits). */
export const FACTS_VALUES = 1 << 15;

/** A record's facts. */
export function factsOf(r: ManifestRecord): number {
  let facts = 0;
  if (r.missing) facts |= FACT_MISSING;
  if (r.alt) facts |= FACT_ALT;
  if (r.error) facts |= FACT_ERROR;
  if (r.stale) facts |= FACT_STALE;
  if (r.audit === true) facts |= FACT_AUDIT;
  return facts | (captionFacts(r.ssc) << CAPTION_SHIFT.ssc) | (captionFacts(r.dsc) << CAPTION_SHIFT.dsc);
}

export function hasCaption(facts: number, kind: CaptionKind): boolean {
  return ((facts >> CAPTION_SHIFT[kind]) & PRESENT) !== 0;
}

/** A present caption's author. */
export function captionAuthor(facts: number, kind: CaptionKind): CaptionAuthor {
  return CAPTION_AUTHORS[(facts >> (CAPTION_SHIFT[kind] + AUTHOR_SHIFT)) & 3]!;
}

/** A present caption's review: REVIEW_NONE, REVIEW_APPROVED, REVIEW_REJECTED or REVIEW_OTHER. */
export function captionReview(facts: number, kind: CaptionKind): number {
  return (facts >> (CAPTION_SHIFT[kind] + REVIEW_SHIFT)) & 3;
}

/** isUnreviewed (record-query.ts) on facts: no caption, or one whose review is null. */
export function factsUnreviewed(facts: number): boolean {
  let any = false;
  for (const kind of CAPTION_KINDS) {
    if (!hasCaption(facts, kind)) continue;
    any = true;
    if (captionReview(facts, kind) === REVIEW_NONE) return true;
  }
  return !any;
}

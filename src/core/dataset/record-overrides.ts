// What a query or a save takes instead of the stored records: an editor's unsaved edits. Text edits are few
// and come as whole records; a bulk review can cover every record and comes as review states looked up per
// row, so neither a query nor a save ever holds a million changed records.
import { CAPTION_KINDS, type CaptionKind, type ManifestRecord, type ReviewState } from '../../shared/record.js';
import type { FactsScratch } from './record-columns.js';

export interface RecordOverrides {
  /** Whole records to use instead of the stored ones. */
  readonly records: ReadonlyMap<string, ManifestRecord>;
  /** Review states over the record's captions (whole or stored), for the records that have any. */
  readonly reviews?: ReviewOverrides;
}

export interface ReviewOverrides {
  /** Whether `fileName` has an unsaved review; `row` is its row in the list being walked, a lookup hint. */
  has(fileName: string, row: number): boolean;
  /** The unsaved review of one caption, or undefined when it has none. */
  get(fileName: string, row: number, kind: CaptionKind): ReviewState | undefined;
}

export const NO_OVERRIDES: RecordOverrides = { records: new Map() };

/** `record` with its unsaved reviews on top (the record itself when it has none). */
export function withReviewOverrides(record: ManifestRecord, reviews: ReviewOverrides | undefined, row: number): ManifestRecord {
  if (!reviews || !reviews.has(record.file_name, row)) return record;
  let out = record;
  for (const kind of CAPTION_KINDS) {
    const review = reviews.get(record.file_name, row, kind);
    const caption = out[kind];
    if (review !== undefined && caption && caption.review !== review) out = { ...out, [kind]: { ...caption, review } };
  }
  return out;
}

/** A row's facts with its unsaved reviews on top, changed in place. */
export function reviewFactsOverride(facts: FactsScratch, reviews: ReviewOverrides, fileName: string, row: number): FactsScratch {
  if (!reviews.has(fileName, row)) return facts;
  for (const kind of CAPTION_KINDS) {
    const caption = facts[kind];
    const review = reviews.get(fileName, row, kind);
    if (caption && review !== undefined) caption.review = review;
  }
  return facts;
}

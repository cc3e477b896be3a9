// What the caption editor asks to change: one caption, the normalizers over what a filter shows, a review of
// a multi-selection. Domain shapes (like ReplaceSpec in record-query.ts) that the editor's session in
// src/core takes; the protocol (protocol.ts) carries them and checks them at run time.
import type { CaptionKind, ReviewState } from './record.js';
import type { Range } from './range-set.js';
import type { RecordQuery, ReplaceChange } from './record-query.js';

export type EditRequest =
  | { op: 'text'; fileName: string; kind: CaptionKind; text: string }
  | { op: 'review'; fileName: string; kind: CaptionKind; review: ReviewState };

/** Which normalizers to run (src/core/analysis/normalizers.ts), over the images the filter shows. */
export interface NormalizeSpec {
  query: RecordQuery;
  /** A multi-selection within the query's result (positions, half-open ranges); empty: all it shows. */
  ranges: Range[];
  /** Strip a stock opening ("The image shows", "This is"...). */
  stripOpening: boolean;
  /** Cut a stock closing sentence ("Overall, ...", "The mood is ..."). */
  cutClosing: boolean;
  /** Make every caption end with a period, or none; null leaves the ends alone. */
  trailingPeriod: 'add' | 'remove' | null;
  fields: CaptionKind[];
  /** Also change captions a person wrote or reviewed (off unless the user asks). */
  includeProtected: boolean;
}

export interface NormalizeChange extends ReplaceChange {
  /** A person wrote or reviewed this caption. */
  protected: boolean;
}

/**
 * A multi-selection: positions within the query's result, as half-open ranges (Ctrl+A over a million
 * records is one range). The host resolves them against the same query.
 */
export interface SelectionSpec {
  query: RecordQuery;
  ranges: Range[];
}

/** Approve, reject or clear the review of the selection's SSCs, DSCs or both. */
export interface BulkReviewSpec extends SelectionSpec {
  kinds: CaptionKind[];
  review: ReviewState;
}

// What the product asks of records, independent of any wire: the list's query, the badge state and the
// counts by state, find & replace. The host and core compute with these; the protocol carries them.
import type { Caption, CaptionAuthor, CaptionKind } from './record.js';

export type ReviewFilter = 'any' | 'unreviewed' | 'approved' | 'rejected';
export type AuthorFilter = 'any' | 'none' | CaptionAuthor;
export type FieldFilter = 'any' | CaptionKind | 'alt';

/** What the list shows. The host evaluates it; the webview only ever holds pages of the result. */
export interface RecordQuery {
  review: ReviewFilter;
  author: AuthorFilter;
  /** Which caption(s) review/author/length/text look at; 'any' means SSC or DSC (or alt for text). */
  field: FieldFilter;
  /** true: only records with an error; false: only without; null: either. */
  error: boolean | null;
  /** Caption length bounds in characters (inclusive), null for no bound. */
  minLength: number | null;
  maxLength: number | null;
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

export const EMPTY_QUERY: RecordQuery = {
  review: 'any',
  author: 'any',
  field: 'any',
  error: null,
  minLength: null,
  maxLength: null,
  text: '',
  regex: false,
  caseSensitive: false,
};

export interface Counts {
  total: number;
  uncaptioned: number;
  machine: number;
  edited: number;
  approved: number;
  rejected: number;
  error: number;
}

export interface ReplaceSpec {
  query: RecordQuery;
  find: string;
  replace: string;
  regex: boolean;
  caseSensitive: boolean;
  fields: CaptionKind[];
}

export interface ReplaceChange {
  fileName: string;
  kind: CaptionKind;
  before: string;
  after: string;
}

/** Badge state of a record, as shown in the list. */
export type RecordState = 'uncaptioned' | 'machine' | 'edited' | 'approved' | 'rejected' | 'error';

export function recordState(r: { ssc: Caption | null; dsc: Caption | null; error: string | null }): RecordState {
  if (r.error) return 'error';
  const caps = [r.ssc, r.dsc].filter((c): c is Caption => c !== null);
  if (caps.length === 0) return 'uncaptioned';
  if (caps.some((c) => c.review === 'rejected')) return 'rejected';
  if (caps.every((c) => c.review === 'approved')) return 'approved';
  if (caps.some((c) => c.by === 'human' || c.by === 'import')) return 'edited';
  return 'machine';
}

/** Reviewed means every caption present was approved or rejected (and there is at least one). */
export function isUnreviewed(r: { ssc: Caption | null; dsc: Caption | null }): boolean {
  const caps = [r.ssc, r.dsc].filter((c): c is Caption => c !== null);
  return caps.length === 0 || caps.some((c) => c.review === null);
}

// What the product asks of records, independent of any wire: the list's query, the badge state and the
// counts by state, find & replace. The host and core compute with these; the protocol carries them.
import type { Caption, CaptionAuthor, CaptionKind } from './record.js';
import { isDefectFlag, type DefectFlag } from './defect-flags.js';
import { checkRanges, type Range } from './range-set.js';

export type ReviewFilter = 'any' | 'unreviewed' | 'approved' | 'rejected';
export type AuthorFilter = 'any' | 'none' | CaptionAuthor;
export type FieldFilter = 'any' | CaptionKind | 'alt';
/** Defect flags: any record, those with at least one flag, or those with this flag. */
export type FlagFilter = 'any' | 'flagged' | DefectFlag;
/**
 * The order the list shows (and "next unreviewed" walks): the manifest's, the lowest alignment score first
 * (a record's lowest caption score; unscored last), flagged records first, or the audit sample first.
 */
export type ReviewOrder = 'file' | 'score' | 'flagged' | 'audit';
export const REVIEW_ORDERS: readonly ReviewOrder[] = ['file', 'score', 'flagged', 'audit'];
export const REVIEW_ORDER_LABELS: Readonly<Record<ReviewOrder, string>> = {
  file: 'file order',
  score: 'lowest score first',
  flagged: 'flagged first',
  audit: 'audit sample first',
};

/** What the list shows. The host evaluates it; the webview only ever holds pages of the result. */
export interface RecordQuery {
  review: ReviewFilter;
  author: AuthorFilter;
  /** Which caption(s) review/author/length/text look at; 'any' means SSC or DSC (or alt for text). */
  field: FieldFilter;
  /** true: only records with an error; false: only without; null: either. */
  error: boolean | null;
  /** The record's own defect flags (see defect-flags.ts). */
  flag: FlagFilter;
  /** Caption length bounds in characters (inclusive), null for no bound. */
  minLength: number | null;
  maxLength: number | null;
  text: string;
  regex: boolean;
  caseSensitive: boolean;
  order: ReviewOrder;
  /** Only images in a duplicate group (same bytes, or perceptual hashes within the default distance). */
  duplicates: boolean;
}

export const EMPTY_QUERY: RecordQuery = {
  review: 'any',
  author: 'any',
  field: 'any',
  error: null,
  flag: 'any',
  minLength: null,
  maxLength: null,
  text: '',
  regex: false,
  caseSensitive: false,
  order: 'file',
  duplicates: false,
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
  /** A multi-selection within the query's result (positions, half-open ranges); empty: all it shows. */
  ranges: Range[];
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

/**
 * What the list's filters, badges and counts look at in a record: its captions' author, review and length,
 * and whether it has an error. An indexed manifest keeps these in columns, so filtering needs no parse.
 */
export interface CaptionFacts {
  by: CaptionAuthor;
  review: Caption['review'];
  /** The caption text's length in UTF-16 code units, as the length filter counts. */
  length: number;
}

export interface RecordFacts {
  ssc: CaptionFacts | null;
  dsc: CaptionFacts | null;
  error: boolean;
  /** The record's own defect flags as bits (defectBit); null while not yet computed, absent when not asked. */
  defects?: number | null;
}

export function captionFacts(caption: Caption | null): CaptionFacts | null {
  return caption === null ? null : { by: caption.by, review: caption.review, length: caption.text.length };
}

export function factsOf(r: { ssc: Caption | null; dsc: Caption | null; error: string | null }): RecordFacts {
  return { ssc: captionFacts(r.ssc), dsc: captionFacts(r.dsc), error: r.error !== null && r.error !== '' };
}

/** Badge state of a record, as shown in the list. */
export type RecordState = 'uncaptioned' | 'machine' | 'edited' | 'approved' | 'rejected' | 'error';

type CaptionShape = Pick<CaptionFacts, 'by' | 'review'>;

/** The badge state; takes a record or its facts (error: its text, or whether there is one). */
export function recordState(r: { ssc: CaptionShape | null; dsc: CaptionShape | null; error: string | boolean | null }): RecordState {
  if (r.error) return 'error';
  const caps = [r.ssc, r.dsc].filter((c): c is CaptionShape => c !== null);
  if (caps.length === 0) return 'uncaptioned';
  if (caps.some((c) => c.review === 'rejected')) return 'rejected';
  if (caps.every((c) => c.review === 'approved')) return 'approved';
  if (caps.some((c) => c.by === 'human' || c.by === 'import')) return 'edited';
  return 'machine';
}

/** Reviewed means every caption present was approved or rejected (and there is at least one). */
export function isUnreviewed(r: { ssc: CaptionShape | null; dsc: CaptionShape | null }): boolean {
  const caps = [r.ssc, r.dsc].filter((c): c is CaptionShape => c !== null);
  return caps.length === 0 || caps.some((c) => c.review === null);
}
// ---------------------------------------------------------------------------------------------
// Checking values that come from outside (the webview, settings): each check returns what is wrong, or null.

export const REVIEW_FILTERS: readonly ReviewFilter[] = ['any', 'unreviewed', 'approved', 'rejected'];
export const AUTHOR_FILTERS: readonly AuthorFilter[] = ['any', 'none', 'model', 'human', 'import', 'upsample'];
export const FIELD_FILTERS: readonly FieldFilter[] = ['any', 'ssc', 'dsc', 'alt'];
/** Longest search or replacement text: a filter is typed by a person. */
export const MAX_QUERY_TEXT = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isBound = (v: unknown) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);

export function checkRecordQuery(value: unknown): string | null {
  if (!isRecord(value)) return 'query must be an object';
  if (!(REVIEW_FILTERS as readonly unknown[]).includes(value.review)) return `unknown review filter "${String(value.review)}"`;
  if (!(AUTHOR_FILTERS as readonly unknown[]).includes(value.author)) return `unknown author filter "${String(value.author)}"`;
  if (!(FIELD_FILTERS as readonly unknown[]).includes(value.field)) return `unknown field "${String(value.field)}"`;
  if (value.error !== null && typeof value.error !== 'boolean') return 'error filter must be true, false or null';
  if (value.flag !== 'any' && value.flag !== 'flagged' && !isDefectFlag(value.flag)) return `unknown flag filter "${String(value.flag)}"`;
  if (!isBound(value.minLength) || !isBound(value.maxLength)) return 'length bounds must be whole numbers or null';
  if (typeof value.text !== 'string' || value.text.length > MAX_QUERY_TEXT) return `search text must be a string of at most ${MAX_QUERY_TEXT} characters`;
  if (typeof value.regex !== 'boolean' || typeof value.caseSensitive !== 'boolean') return 'regex and caseSensitive must be true or false';
  if (!(REVIEW_ORDERS as readonly unknown[]).includes(value.order)) return `unknown order "${String(value.order)}"`;
  if (typeof value.duplicates !== 'boolean') return 'duplicates must be true or false';
  return null;
}

/** Caption fields a bulk change may write: never the alt-text, which is ground truth. */
export function checkCaptionFields(value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > 2) return 'fields must list ssc and/or dsc';
  return value.every((k) => k === 'ssc' || k === 'dsc') ? null : `fields may only be ssc and dsc, got ${JSON.stringify(value)}`;
}

export function checkReplaceSpec(value: unknown): string | null {
  if (!isRecord(value)) return 'a replace spec must be an object';
  for (const key of ['find', 'replace'] as const) {
    const text = value[key];
    if (typeof text !== 'string' || text.length > MAX_QUERY_TEXT) return `${key} must be a string of at most ${MAX_QUERY_TEXT} characters`;
  }
  if (typeof value.regex !== 'boolean' || typeof value.caseSensitive !== 'boolean') return 'regex and caseSensitive must be true or false';
  return checkCaptionFields(value.fields) ?? checkRecordQuery(value.query) ?? checkRanges(value.ranges);
}

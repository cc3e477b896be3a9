// Filtering, counting and find & replace over a manifest: what the caption editor pages and edits by. Core
// code (no vscode), unit-tested with node's runner. The filtered index is cached per query so paging is O(page size).
import type { CaptionKind, ManifestRecord } from '../../shared/record.js';
import { escapeRegExp } from '../util/text-patterns.js';
import { ownDefectBits } from '../analysis/defects.js';
import { defectBit } from '../../shared/defect-flags.js';
import { factsOf, recordState, type Counts, type RecordFacts, type RecordQuery, type ReplaceChange, type ReplaceSpec } from '../../shared/record-query.js';

export class QueryError extends Error {
  override name = 'QueryError';
}

export function compileText(text: string, regex: boolean, caseSensitive: boolean, global = false): RegExp | null {
  if (text === '') return null;
  const flags = (caseSensitive ? '' : 'i') + (global ? 'g' : '') + 'u';
  try {
    return new RegExp(regex ? text : escapeRegExp(text), flags);
  } catch (err) {
    throw new QueryError(`invalid regular expression: ${(err as Error).message}`);
  }
}

function pick<T>(ssc: T, dsc: T, field: RecordQuery['field']): T[] {
  if (field === 'ssc') return [ssc];
  if (field === 'dsc') return [dsc];
  return [ssc, dsc];
}

/**
 * The part of a query that looks at facts only (review, author, length, error): what an index answers
 * from its columns. Null when the query has none of these.
 */
export function compileFactsQuery(query: RecordQuery): ((facts: RecordFacts) => boolean) | null {
  const { review, author, field, error, minLength, maxLength, flag } = query;
  if (review === 'any' && author === 'any' && error === null && minLength === null && maxLength === null && flag === 'any') return null;
  const want = review === 'unreviewed' ? null : review;
  const flagBits = flag === 'any' || flag === 'flagged' ? 0 : defectBit(flag);
  return (facts) => {
    if (error !== null && facts.error !== error) return false;
    if (flag !== 'any') {
      // Not yet computed (an index still flagging its records): not shown, rather than shown wrongly.
      const bits = facts.defects ?? 0;
      if (flag === 'flagged' ? bits === 0 : (bits & flagBits) === 0) return false;
    }
    const caps = pick(facts.ssc, facts.dsc, field);
    if (review !== 'any' && !caps.some((c) => (c === null ? want === null : c.review === want))) return false;
    if (author !== 'any' && !caps.some((c) => (author === 'none' ? c === null : c?.by === author))) return false;
    if (minLength !== null || maxLength !== null) {
      const ok = caps.some((c) => c !== null && (minLength === null || c.length >= minLength) && (maxLength === null || c.length <= maxLength));
      if (!ok) return false;
    }
    return true;
  };
}

/** The texts a query's search looks in: alt, the captions it names, and for 'any' the file name. */
export function searchedTexts(record: ManifestRecord, field: RecordQuery['field']): string[] {
  const texts: string[] = [];
  if ((field === 'alt' || field === 'any') && record.alt) texts.push(record.alt.text);
  if (field !== 'alt') for (const c of pick(record.ssc, record.dsc, field)) if (c) texts.push(c.text);
  if (field === 'any') texts.push(record.file_name);
  return texts;
}

/** The text part of a query over a whole record; null when the query searches no text. Throws QueryError. */
export function compileTextQuery(query: RecordQuery): ((record: ManifestRecord) => boolean) | null {
  const re = compileText(query.text, query.regex, query.caseSensitive);
  if (!re) return null;
  return (record) => searchedTexts(record, query.field).some((t) => re.test(t));
}

/** Builds a predicate for a query; throws QueryError for a bad regex. */
export function compileQuery(query: RecordQuery): (record: ManifestRecord) => boolean {
  const facts = compileFactsQuery(query);
  const text = compileTextQuery(query);
  const withDefects = query.flag !== 'any';
  return (record) => (facts === null || facts(withDefects ? { ...factsOf(record), defects: ownDefectBits(record) } : factsOf(record))) && (text === null || text(record));
}

export function isEmptyQuery(q: RecordQuery): boolean {
  return q.review === 'any' && q.author === 'any' && q.error === null && q.flag === 'any' && q.minLength === null && q.maxLength === null && q.text === '' && q.order === 'file' && !q.duplicates;
}

export function countRecords(records: Iterable<ManifestRecord>): Counts {
  const counts: Counts = { total: 0, uncaptioned: 0, machine: 0, edited: 0, approved: 0, rejected: 0, error: 0 };
  for (const r of records) {
    counts.total++;
    counts[recordState(r)]++;
  }
  return counts;
}

/** The replacements a find & replace would make, in manifest order. */
// The selection (`ranges`) is the caller's to resolve: it hands over only the records in it.
export function planReplace(records: Iterable<ManifestRecord>, spec: Omit<ReplaceSpec, 'ranges'>): ReplaceChange[] {
  if (spec.find === '') return [];
  const re = compileText(spec.find, spec.regex, spec.caseSensitive, true)!;
  const matches = compileQuery(spec.query);
  const changes: ReplaceChange[] = [];
  for (const record of records) {
    if (!matches(record)) continue;
    for (const kind of spec.fields) {
      const caption = record[kind];
      if (!caption) continue;
      re.lastIndex = 0;
      const after = spec.regex ? caption.text.replace(re, spec.replace) : caption.text.replace(re, () => spec.replace);
      if (after !== caption.text) changes.push({ fileName: record.file_name, kind: kind as CaptionKind, before: caption.text, after });
    }
  }
  return changes;
}

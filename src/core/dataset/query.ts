// Filtering, counting and find & replace over a manifest: what the caption editor pages and edits by. Core
// code (no vscode), unit-tested with node's runner. The filtered index is cached per query so paging is O(page size).
import type { Caption, CaptionKind, ManifestRecord } from '../../shared/record.js';
import { escapeRegExp } from '../util/text-patterns.js';
import { recordState, type Counts, type RecordQuery, type ReplaceChange, type ReplaceSpec } from '../../shared/record-query.js';

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

function captionsFor(record: ManifestRecord, field: RecordQuery['field']): (Caption | null)[] {
  if (field === 'ssc') return [record.ssc];
  if (field === 'dsc') return [record.dsc];
  return [record.ssc, record.dsc];
}

/** Builds a predicate for a query; throws QueryError for a bad regex. */
export function compileQuery(query: RecordQuery): (record: ManifestRecord) => boolean {
  const re = compileText(query.text, query.regex, query.caseSensitive);
  const { review, author, field, error, minLength, maxLength } = query;
  return (record) => {
    if (error !== null && (record.error !== null) !== error) return false;
    const caps = captionsFor(record, field);
    if (review !== 'any') {
      const want = review === 'unreviewed' ? null : review;
      if (!caps.some((c) => (c === null ? want === null : c.review === want))) return false;
    }
    if (author !== 'any') {
      if (!caps.some((c) => (author === 'none' ? c === null : c?.by === author))) return false;
    }
    if (minLength !== null || maxLength !== null) {
      const ok = caps.some((c) => {
        if (!c) return false;
        const n = c.text.length;
        return (minLength === null || n >= minLength) && (maxLength === null || n <= maxLength);
      });
      if (!ok) return false;
    }
    if (re) {
      const texts: string[] = [];
      if (field === 'alt' || field === 'any') if (record.alt) texts.push(record.alt.text);
      if (field !== 'alt') for (const c of caps) if (c) texts.push(c.text);
      if (field === 'any') texts.push(record.file_name);
      if (!texts.some((t) => re.test(t))) return false;
    }
    return true;
  };
}

export function isEmptyQuery(q: RecordQuery): boolean {
  return q.review === 'any' && q.author === 'any' && q.error === null && q.minLength === null && q.maxLength === null && q.text === '';
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
export function planReplace(records: Iterable<ManifestRecord>, spec: ReplaceSpec): ReplaceChange[] {
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

// Filtering, counting and find & replace over a manifest: what the caption editor pages and edits by. Core
// code (no vscode), unit-tested with node's runner. The filtered index is cached per query so paging is O(page size).
import type { CaptionKind, ManifestRecord } from '../../shared/record.js';
import { ownDefectBits } from './defect-bits.js';
import { defectBit } from '../../shared/defect-flags.js';
import { factsOf, recordState, type Counts, type RecordFacts, type RecordQuery, type ReplaceChange, type ReplaceSpec } from '../../shared/record-query.js';
import { CaptionTooLongError, MAX_CAPTION_CHARS, MAX_REPLACE_GROWTH_CHARS } from '../limits.js';
import { compilePattern, patternSpec, PATTERN_BATCH_CHARS, PATTERN_BATCH_TEXTS } from './pattern-jobs.js';
import { PatternCutOffError, patternsOnThisThread, type PatternRunner } from './pattern-runner.js';
import { QueryError } from './query-error.js';

export { QueryError };

/** Compiles a search on this thread (a plain search, or a trusted caller's); throws QueryError for a bad regex. */
export function compileText(text: string, regex: boolean, caseSensitive: boolean, global = false): RegExp | null {
  return text === '' ? null : compilePattern(patternSpec(text, regex, caseSensitive, global));
}

/** Whether a query's text search is a user's regular expression: one that must run in a pattern sandbox. */
export function searchesWithRegex(query: RecordQuery): boolean {
  return query.regex && query.text !== '';
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

/** The facts part of a query over a whole record (its defects computed when the query asks); null: none. */
export function compileRecordFacts(query: RecordQuery): ((record: ManifestRecord) => boolean) | null {
  const facts = compileFactsQuery(query);
  if (facts === null) return null;
  const withDefects = query.flag !== 'any';
  return (record) => facts(withDefects ? { ...factsOf(record), defects: ownDefectBits(record) } : factsOf(record));
}

/** Builds a predicate for a query, run on this thread; throws QueryError for a bad regex. */
export function compileQuery(query: RecordQuery): (record: ManifestRecord) => boolean {
  const facts = compileRecordFacts(query);
  const text = compileTextQuery(query);
  return (record) => (facts === null || facts(record)) && (text === null || text(record));
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

/**
 * The replacements a find & replace would make in `records` (the ones the filter shows, or the selection:
 * the caller's to resolve), in manifest order. The pattern runs through `patterns` (the editor's sandbox).
 * Refused, with nothing planned, when one caption would pass MAX_CAPTION_CHARS (CaptionTooLongError, naming
 * the image) or the captions together would grow by more than MAX_REPLACE_GROWTH_CHARS.
 */
export async function planReplace(records: Iterable<ManifestRecord>, spec: Omit<ReplaceSpec, 'ranges' | 'query'>, patterns: PatternRunner = patternsOnThisThread): Promise<ReplaceChange[]> {
  if (spec.find === '') return [];
  const pattern = patternSpec(spec.find, spec.regex, spec.caseSensitive, true);
  compilePattern(pattern);
  const changes: ReplaceChange[] = [];
  let growth = 0;
  let batch: { fileName: string; kind: CaptionKind; text: string }[] = [];
  let chars = 0;
  const flush = async () => {
    const texts = batch.map((b) => b.text);
    const where = (at: number) => `the ${batch[at]!.kind.toUpperCase()} of ${batch[at]!.fileName}`;
    const result = await patterns.replace({ op: 'replace', pattern, replacement: spec.replace, texts, maxChars: MAX_CAPTION_CHARS, maxGrowth: MAX_REPLACE_GROWTH_CHARS - growth }).catch((err: unknown) => {
      throw err instanceof PatternCutOffError && batch[err.at] ? err.on(where(err.at)) : err;
    });
    if (result.stopped) {
      const { at, length } = result.stopped;
      if (!result.stopped.growth) throw new CaptionTooLongError(batch[at]!.fileName, batch[at]!.kind, length);
      throw new QueryError(
        `this replace would add more than ${MAX_REPLACE_GROWTH_CHARS.toLocaleString('en-US')} characters to the captions it changes (reached at ${where(at)}), the most one find & replace may add; nothing was changed`,
      );
    }
    result.after.forEach((after, at) => {
      if (after === null) return;
      const { fileName, kind, text } = batch[at]!;
      changes.push({ fileName, kind, before: text, after });
      growth += after.length - text.length;
    });
    batch = [];
    chars = 0;
  };
  for (const record of records) {
    for (const kind of spec.fields) {
      const caption = record[kind];
      if (!caption) continue;
      batch.push({ fileName: record.file_name, kind, text: caption.text });
      chars += caption.text.length;
      if (chars >= PATTERN_BATCH_CHARS || batch.length >= PATTERN_BATCH_TEXTS) await flush();
    }
  }
  if (batch.length > 0) await flush();
  return changes;
}

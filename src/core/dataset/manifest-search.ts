// Which records a query shows, over an indexed manifest: facts from the columns, text from the lines, parsing
// only lines that can match. `overrides` are what to judge instead of the stored values (an editor's unsaved edits).
import type { ManifestRecord } from '../../shared/record.js';
import type { RecordQuery } from '../../shared/record-query.js';
import type { IndexedManifest } from './indexed-manifest.js';
import { compilePattern, patternSpec } from './pattern-jobs.js';
import type { PatternRunner } from './pattern-runner.js';
import { PatternSearch } from './pattern-search.js';
import { compileFactsQuery, compileRecordFacts, compileText, compileTextQuery, searchedTexts, searchesWithRegex } from './query.js';
import { factsScratch } from './record-columns.js';
import { parseIndexedLine } from './record-line.js';
import { NO_OVERRIDES, reviewFactsOverride, withReviewOverrides, type RecordOverrides } from './record-overrides.js';

/**
 * Positions of the records a query shows, in manifest order. The search runs on this thread: a user's
 * regular expression goes through `searchPositions` instead. Throws QueryError for a bad regex.
 */
export function matchPositions(manifest: IndexedManifest, query: RecordQuery, overrides: RecordOverrides = NO_OVERRIDES): Int32Array {
  const text = compileTextQuery(query);
  const out = new Int32Array(manifest.size);
  let found = 0;
  for (const { row, record } of rowsToSearch(manifest, query, overrides)) if (record === null || text!(record)) out[found++] = row;
  return out.slice(0, found);
}

/**
 * `matchPositions`, with a regular expression run through `patterns` (the editor's pattern sandbox: a worker
 * with a deadline), a batch of lines at a time, so this thread's event loop turns while it searches. A save
 * meanwhile (a run's checkpoint) is read on from the written file; records added meanwhile move the rows,
 * and the search starts over. Stops when `signal` is aborted.
 */
export async function searchPositions(manifest: IndexedManifest, query: RecordQuery, patterns: PatternRunner, overrides: RecordOverrides = NO_OVERRIDES, signal?: AbortSignal): Promise<Int32Array> {
  if (!searchesWithRegex(query)) return matchPositions(manifest, query, overrides);
  const pattern = patternSpec(query.text, true, query.caseSensitive);
  compilePattern(pattern);
  for (;;) {
    manifest.settle();
    const names = manifest.index.names;
    const search = new PatternSearch(patterns, pattern, (row) => names[row]!);
    const moved = () => manifest.movedSince(names);
    for (const { row, record } of rowsToSearch(manifest, query, overrides)) {
      if (!search.add(row, searchedTexts(record!, query.field))) continue;
      await search.flush();
      signal?.throwIfAborted();
      if (moved()) break;
    }
    if (moved()) continue;
    const rows = await search.finish();
    signal?.throwIfAborted();
    if (!moved()) return rows;
  }
}

/**
 * The rows whose facts a query admits, in manifest order, each with the record its text part must look at
 * (null when the query searches no text). A plain search passes over lines without its text unparsed.
 */
function* rowsToSearch(manifest: IndexedManifest, query: RecordQuery, overrides: RecordOverrides): Generator<{ row: number; record: ManifestRecord | null }> {
  manifest.settle();
  let index = manifest.index;
  const { names, columns } = index;
  const facts = compileFactsQuery(query);
  const recordFacts = compileRecordFacts(query);
  const searches = query.text !== '';
  const reviews = overrides.reviews;
  // A line without escapes holds each of its strings as they are, so a literal absent from the line is
  // absent from every field: such a line is passed over unparsed.
  const literal = searches && !query.regex ? compileText(query.text, false, query.caseSensitive) : null;
  const held = new Map<number, ManifestRecord>();
  for (const [name, record] of manifest.changed) held.set(manifest.rowOf(name), record);
  for (const [name, record] of overrides.records) {
    const row = manifest.rowOf(name);
    if (row >= 0) held.set(row, record);
  }
  let reader = manifest.sequentialReader();
  const scratch = factsScratch();
  for (let row = 0; row < names.length; row++) {
    if (manifest.index !== index) {
      // Saved while the caller waited: the same rows, read from the written file. Added records moved them.
      if (manifest.movedSince(names)) return;
      index = manifest.index;
      reader = manifest.sequentialReader();
    }
    // Not yet computed: not shown, as the flag filter does.
    if (query.duplicates && !(columns.duplicatesReady && columns.isDuplicate(row))) continue;
    const heldRecord = held.get(row);
    if (heldRecord) {
      const record = withReviewOverrides(heldRecord, reviews, row);
      if (recordFacts === null || recordFacts(record)) yield { row, record: searches ? record : null };
      continue;
    }
    if (facts) {
      const rowFacts = columns.factsInto(row, scratch);
      if (!facts(reviews ? reviewFactsOverride(rowFacts, reviews, names[row]!, row) : rowFacts)) continue;
    }
    if (!searches) {
      yield { row, record: null };
      continue;
    }
    // A review never changes a text, so the text test reads the stored line whatever the reviews say.
    const cached = manifest.cached(row);
    if (cached) {
      yield { row, record: cached };
      continue;
    }
    const line = reader!.read(index.offsets[row]!, index.lengths[row]!).toString('utf8');
    if (literal && !literal.test(line) && !line.includes('\\')) continue;
    yield { row, record: parseIndexedLine(line, names[row]!) };
  }
}

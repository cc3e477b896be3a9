// The filtered index of one query over a manifest: positions (in manifest order) of the records that match.
// Built once per query and record list, then shared by everything that asks about that query (the list's
// pages, find-next, the editor's selection), so paging is O(page size). A user's regular expression is
// searched through a pattern sandbox (`prepare`); the synchronous reads then use what it found.
import type { RecordFacts, RecordQuery, ReviewOrder } from '../../shared/record-query.js';
import { isEmptyQuery, searchesWithRegex } from './query.js';
import { QueryError } from './query-error.js';
import { mergeRanges, type Range } from '../../shared/range-set.js';
import type { PatternRunner } from './pattern-runner.js';

/** What a query index needs of a manifest: an indexed store, or an edit model over one. */
export interface QueryableRecords {
  /** File names in manifest order. */
  names(): readonly string[];
  /** Positions of the records the query shows, searched on this thread. Throws QueryError for a bad regex. */
  matchPositions(query: RecordQuery): Int32Array;
  factsAt(position: number): RecordFacts;
  /** `positions` (ascending) in a review order other than the file's. */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array;
}

/** Records whose queries may carry a user's regular expression: it runs through a pattern runner. */
export interface SearchableRecords extends QueryableRecords {
  /** Changes when the record list is replaced. */
  readonly generation: number;
  searchPositions(query: RecordQuery, patterns: PatternRunner, signal?: AbortSignal): Promise<Int32Array>;
}

/** A selection that does not fit the list it was made in (a stale one, or a forged message). */
export class SelectionError extends QueryError {
  override name = 'SelectionError';
}

export class QueryIndex {
  private key = '';
  private generation = -1;
  private positions: Int32Array | null = null;
  /** The search under way for a regex query: one at a time, a newer query's stops an older one's. */
  private search: { key: string; generation: number; controller: AbortController; done: Promise<void> } | null = null;
  /** The last regex search that failed (a bad or cut-off pattern): asked again, it fails again at once. */
  private failed: { key: string; generation: number; error: unknown } | null = null;

  /**
   * Finds the query's positions before they are read: a regular expression runs through `patterns`, so a
   * runaway one is cut off and this thread stays free. Throws QueryError (a bad or cut-off pattern).
   */
  async prepare(records: SearchableRecords, query: RecordQuery, patterns: PatternRunner): Promise<void> {
    if (isEmptyQuery(query)) return;
    if (!searchesWithRegex(query)) {
      this.positionsFor(records, records.generation, query);
      return;
    }
    const key = JSON.stringify(query);
    // The record list may be replaced while the search runs: search the new one.
    while (!this.holds(key, records.generation)) {
      const generation = records.generation;
      if (this.failed?.key === key && this.failed.generation === generation) throw this.failed.error;
      let search = this.search;
      if (!search || search.key !== key || search.generation !== generation) {
        search?.controller.abort();
        const controller = new AbortController();
        const done = records.searchPositions(query, patterns, controller.signal).then(
          (found) => {
            if (records.generation === generation) this.keep(key, generation, records.ordered(found, query.order));
          },
          (error: unknown) => {
            if (error instanceof QueryError) this.failed = { key, generation, error };
            throw error;
          },
        );
        search = { key, generation, controller, done };
        this.search = search;
        const settled = search;
        void done.finally(() => this.search === settled && (this.search = null)).catch(() => undefined);
      }
      try {
        await search.done;
      } catch (err) {
        // The list was replaced under the search (a reload from disk closes the old one): search the new one.
        if (records.generation === generation) throw err;
      }
    }
  }

  private holds(key: string, generation: number): boolean {
    return this.positions !== null && key === this.key && generation === this.generation;
  }

  private keep(key: string, generation: number, positions: Int32Array): void {
    this.key = key;
    this.generation = generation;
    this.positions = positions;
  }

  /**
   * Positions of the matching records, or null for an empty query (every record). `generation` changes when
   * the record list is replaced. Throws QueryError for a bad regex, and for a regex query not `prepare`d.
   */
  positionsFor(records: QueryableRecords, generation: number, query: RecordQuery): Int32Array | null {
    if (isEmptyQuery(query)) return null;
    const key = JSON.stringify(query);
    if (!this.holds(key, generation)) {
      if (searchesWithRegex(query)) throw new QueryError('the filter\'s regular expression has not been searched yet');
      this.keep(key, generation, records.ordered(records.matchPositions(query), query.order));
    }
    return this.positions;
  }

  /** How many records the query shows. */
  total(records: QueryableRecords, generation: number, query: RecordQuery): number {
    return this.positionsFor(records, generation, query)?.length ?? records.names().length;
  }

  /** The manifest position of the query's `p`-th record. */
  positionAt(records: QueryableRecords, generation: number, query: RecordQuery, p: number): number {
    const positions = this.positionsFor(records, generation, query);
    return positions ? positions[p]! : p;
  }

  /** File names the query shows, in order; null when it shows every record. */
  matchingNames(records: QueryableRecords, generation: number, query: RecordQuery): string[] | null {
    const positions = this.positionsFor(records, generation, query);
    if (!positions) return null;
    const names = records.names();
    return Array.from(positions, (p) => names[p]!);
  }

  /**
   * Manifest positions of a multi-selection: `ranges` of the query's result, merged (overlapping or
   * repeated ranges count once) and checked against what the query shows before anything is expanded.
   * Throws SelectionError for a range past the end.
   */
  rowsOf(records: QueryableRecords, generation: number, query: RecordQuery, ranges: readonly Range[]): Int32Array {
    const positions = this.positionsFor(records, generation, query);
    const total = positions?.length ?? records.names().length;
    const merged = mergeRanges(ranges);
    const end = merged.length > 0 ? merged[merged.length - 1]![1] : 0;
    if (end > total) throw new SelectionError(`the selection reaches row ${end.toLocaleString('en-US')}, but the filter shows ${total.toLocaleString('en-US')} images; select again`);
    let size = 0;
    for (const [a, b] of merged) size += b - a;
    const rows = new Int32Array(size);
    let at = 0;
    for (const [a, b] of merged) for (let p = a; p < b; p++) rows[at++] = positions ? positions[p]! : p;
    return rows;
  }
}

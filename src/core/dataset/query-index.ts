// The filtered index of one query over a manifest: positions (in manifest order) of the records that match.
// Built once per query and record list, then shared by everything that asks about that query (the list's
// pages, find-next, the editor's selection), so paging is O(page size).
import type { RecordFacts, RecordQuery, ReviewOrder } from '../../shared/record-query.js';
import { isEmptyQuery } from './query.js';
import type { Range } from '../../shared/range-set.js';

/** What a query index needs of a manifest: an indexed store, or an edit model over one. */
export interface QueryableRecords {
  /** File names in manifest order. */
  names(): readonly string[];
  /** Positions of the records the query shows. Throws QueryError for a bad regex. */
  matchPositions(query: RecordQuery): Int32Array;
  factsAt(position: number): RecordFacts;
  /** `positions` (ascending) in a review order other than the file's. */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array;
}

export class QueryIndex {
  private key = '';
  private generation = -1;
  private positions: Int32Array | null = null;

  /**
   * Positions of the matching records, or null for an empty query (every record). `generation` changes when
   * the record list is replaced. Throws QueryError for a bad regex.
   */
  positionsFor(records: QueryableRecords, generation: number, query: RecordQuery): Int32Array | null {
    if (isEmptyQuery(query)) return null;
    const key = JSON.stringify(query);
    if (key !== this.key || generation !== this.generation || !this.positions) {
      this.positions = records.ordered(records.matchPositions(query), query.order);
      this.key = key;
      this.generation = generation;
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

  /** Manifest positions of a multi-selection: `ranges` of the query's result, clipped to it. */
  rowsOf(records: QueryableRecords, generation: number, query: RecordQuery, ranges: readonly Range[]): Int32Array {
    const positions = this.positionsFor(records, generation, query);
    const total = positions?.length ?? records.names().length;
    let size = 0;
    for (const [a, b] of ranges) size += Math.max(0, Math.min(b, total) - a);
    const rows = new Int32Array(size);
    let at = 0;
    for (const [a, b] of ranges) for (let p = a; p < Math.min(b, total); p++) rows[at++] = positions ? positions[p]! : p;
    return rows;
  }
}

// The filtered index of one query over a manifest: positions (in manifest order) of the records that match.
// Built once per query and record list, then shared by everything that asks about that query (the list's
// pages, find-next, the editor's selection), so paging is O(page size).
import type { RecordQuery } from '../../shared/record-query.js';
import type { ManifestReader } from './manifest-access.js';
import { compileQuery, isEmptyQuery } from './query.js';

export class QueryIndex {
  private key = '';
  private generation = -1;
  private positions: Int32Array | null = null;

  /**
   * Positions of the matching records, or null for an empty query (every record). `generation` changes when
   * the record list is replaced. Throws QueryError for a bad regex.
   */
  positionsFor(reader: ManifestReader, generation: number, query: RecordQuery): Int32Array | null {
    if (isEmptyQuery(query)) return null;
    const key = JSON.stringify(query);
    if (key !== this.key || generation !== this.generation || !this.positions) {
      const matches = compileQuery(query);
      const names = reader.names();
      const out: number[] = [];
      for (let i = 0; i < names.length; i++) if (matches(reader.get(names[i]!)!)) out.push(i);
      this.positions = Int32Array.from(out);
      this.key = key;
      this.generation = generation;
    }
    return this.positions;
  }

  /** File names the query shows, in order; null when it shows every record. */
  matchingNames(reader: ManifestReader, generation: number, query: RecordQuery): string[] | null {
    const positions = this.positionsFor(reader, generation, query);
    if (!positions) return null;
    const names = reader.names();
    return Array.from(positions, (p) => names[p]!);
  }
}

// The rows an editor's filter shows, and the multi-selection within them, through one query index shared
// by the editor's pages, find-next, previews, bulk actions and selection. Before a query is read, the
// column passes it needs have run and a regular expression in it has been searched in the pattern sandbox.
import { isEmptyQuery } from '../dataset/query.js';
import { QueryIndex } from '../dataset/query-index.js';
import type { PatternRunner } from '../dataset/pattern-runner.js';
import type { Range } from '../../shared/range-set.js';
import type { ManifestRecord } from '../../shared/record.js';
import type { RecordQuery } from '../../shared/record-query.js';
import type { CaptionEditModel } from './caption-edit-model.js';

export class FilteredRows {
  private readonly index = new QueryIndex();

  constructor(
    private readonly model: CaptionEditModel,
    /** Where users' regular expressions run: a worker with a deadline in the editor. */
    private readonly patterns: PatternRunner,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Makes `query` readable: the model loaded, the columns it needs filled, and a regular expression run in
   * the pattern sandbox. Throws QueryError for a bad or cut-off pattern.
   */
  async prepare(query: RecordQuery): Promise<void> {
    await this.model.ready;
    await this.columnsFor(query);
    await this.index.prepare(this.model, query, this.patterns);
  }

  /**
   * Fills the columns a query needs that a page of rows cannot tell: the flag filter and order need every
   * record's flags, the duplicates filter the duplicates pass (each one pass, the first time it is used).
   */
  private async columnsFor(query: RecordQuery): Promise<void> {
    const model = this.model;
    if (query.duplicates && !model.duplicatesReady) await model.computeDuplicates();
    if ((query.flag === 'any' && query.order !== 'flagged') || model.defectsReady) return;
    const started = performance.now();
    await model.computeDefects();
    this.log(`flagged the defects of ${model.size} records of ${model.manifestPath} in ${(performance.now() - started).toFixed(0)} ms`);
  }

  /** How many records a prepared query shows. */
  total(query: RecordQuery): number {
    return this.index.total(this.model, this.model.generation, query);
  }

  /** The manifest position of a prepared query's `p`-th record. */
  positionAt(query: RecordQuery, p: number): number {
    return this.index.positionAt(this.model, this.model.generation, query, p);
  }

  /** Manifest positions of a multi-selection within a prepared query. Throws SelectionError for a stale one. */
  rowsOf(query: RecordQuery, ranges: readonly Range[]): Int32Array {
    return this.index.rowsOf(this.model, this.model.generation, query, ranges);
  }

  /** File names a prepared query shows, in order; null when it shows every record. */
  matchingNames(query: RecordQuery): string[] | null {
    return this.index.matchingNames(this.model, this.model.generation, query);
  }

  /**
   * What a prepared query shows, or the multi-selection within it, through the index (which also knows the
   * filters a single record cannot tell, such as "has duplicates"), for find & replace and normalize.
   */
  *records(query: RecordQuery, ranges: readonly Range[]): Generator<ManifestRecord> {
    const model = this.model;
    if (ranges.length === 0 && isEmptyQuery(query)) return yield* model.records();
    const names = model.names();
    // Resolved once: a find & replace reads the records between its pattern batches, while the index may move on.
    const rows = ranges.length > 0 ? this.rowsOf(query, ranges) : this.index.positionsFor(model, model.generation, query)!;
    for (const row of rows) {
      const record = model.get(names[row]!);
      if (record) yield record;
    }
  }
}

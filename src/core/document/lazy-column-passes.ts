// Index columns filled by a pass over every record when first asked for: the defect flags (from the
// record's own texts and scores, and against the dataset's thresholds) and the duplicate marks. One pass per
// base however many callers ask at once; asked once, a pass runs again for every new base (a merge, a revert).
import type { ManifestStore } from '../dataset/manifest-store.js';
import type { LayeredRecords } from './layered-records.js';

export type ColumnPass = 'defects' | 'duplicates';

export class ColumnPasses {
  private readonly wanted = new Set<ColumnPass>();
  private readonly running = new Map<ColumnPass, { base: ManifestStore; done: Promise<void> }>();

  constructor(
    private readonly records: LayeredRecords,
    /** Starts the full load (once) and resolves when it is done. */
    private readonly ready: () => Promise<void>,
  ) {}

  /** Whether the base's index holds the column for every record. */
  isReady(column: ColumnPass): boolean {
    const base = this.records.currentBase;
    return base !== null && (column === 'defects' ? base.defectsReady : base.duplicatesReady);
  }

  /** Fills the column (until the pass ends its filter shows none), then tells views to refetch. */
  async compute(column: ColumnPass): Promise<void> {
    this.wanted.add(column);
    await this.ready();
    const base = this.records.base;
    if (column === 'defects' ? base.defectsReady : base.duplicatesReady) return;
    // A pass over a base replaced since (a reload from disk) is not this base's, so it starts its own.
    // A failed pass may be tried again.
    let pass = this.running.get(column);
    if (pass === undefined || pass.base !== base) {
      const done = column === 'defects' ? base.computeDefects() : base.computeDuplicates();
      pass = { base, done };
      this.running.set(column, pass);
      done.catch(() => {
        if (this.running.get(column)?.done === done) this.running.delete(column);
      });
    }
    await pass.done;
    if (this.records.currentBase !== base) return; // replaced meanwhile: the new base gets its own pass
    this.records.reindexed();
  }

  /** A new base is in place: the passes asked for so far run over it. */
  renew(): void {
    // A failed pass leaves the flag filter showing what was flagged; the next reload tries again.
    for (const column of this.wanted) void this.compute(column).catch(() => undefined);
  }
}

// Things left out, counted by reason, with the first few of each named so a person can look at them:
// an export's skipped images, an import's skipped rows.

const EXAMPLES_PER_REASON = 5;

/** One value per reason seen: keys of a closed set of reasons are optional; an open set (string) is a plain record. */
export type PerReason<R extends string, V> = string extends R ? Record<string, V> : Partial<Record<R, V>>;

export class ReasonTally<R extends string> {
  // Held as plain records of the reasons seen; typed per reason for callers.
  private readonly countOf: Record<string, number> = {};
  private readonly examplesOf: Record<string, string[]> = {};

  get counts(): PerReason<R, number> {
    return this.countOf as PerReason<R, number>;
  }

  get examples(): PerReason<R, string[]> {
    return this.examplesOf as PerReason<R, string[]>;
  }

  add(reason: R, label: string): void {
    this.countOf[reason] = (this.countOf[reason] ?? 0) + 1;
    const list = (this.examplesOf[reason] ??= []);
    if (list.length < EXAMPLES_PER_REASON) list.push(label);
  }

  /** Adds another tally's counts and examples (e.g. a finished unit's, read back on resume). */
  merge(counts: PerReason<R, number>, examples: PerReason<R, string[]>): void {
    for (const [reason, n] of Object.entries(counts) as [string, number][]) this.countOf[reason] = (this.countOf[reason] ?? 0) + n;
    for (const [reason, labels] of Object.entries(examples) as [string, string[]][]) {
      const list = (this.examplesOf[reason] ??= []);
      for (const label of labels) if (list.length < EXAMPLES_PER_REASON) list.push(label);
    }
  }

  get total(): number {
    return Object.values(this.countOf).reduce((a, b) => a + b, 0);
  }
}

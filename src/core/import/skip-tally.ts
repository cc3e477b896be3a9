// Rows and samples left out of an import, counted by reason, with the first few of each named so a
// person can look at them.

const EXAMPLES_PER_REASON = 5;

export class SkipTally {
  readonly counts: Record<string, number> = {};
  readonly examples: Record<string, string[]> = {};

  add(reason: string, label: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const list = (this.examples[reason] ??= []);
    if (list.length < EXAMPLES_PER_REASON) list.push(label);
  }

  /** Adds another tally's counts (a finished unit's, read back on resume). */
  merge(counts: Record<string, number>, examples: Record<string, string[]>): void {
    for (const [reason, n] of Object.entries(counts)) this.counts[reason] = (this.counts[reason] ?? 0) + n;
    for (const [reason, labels] of Object.entries(examples)) {
      const list = (this.examples[reason] ??= []);
      for (const label of labels) if (list.length < EXAMPLES_PER_REASON) list.push(label);
    }
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

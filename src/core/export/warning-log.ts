// Warnings of one kind, kept to the first few lines plus a count: a dataset with 100,000 links out of it
// gets 20 named and "and 99,980 more", not 100,000 lines.

/** Warnings named one by one before the rest are only counted. */
export const WARNINGS_NAMED = 20;

export class WarningLog {
  private readonly named: string[] = [];
  private more = 0;

  add(line: string): void {
    if (this.named.length < WARNINGS_NAMED) this.named.push(line);
    else this.more++;
  }

  get count(): number {
    return this.named.length + this.more;
  }

  /** The named lines, then one that counts the rest. */
  lines(): string[] {
    return this.more > 0 ? [...this.named, `… and ${this.more} more like these`] : [...this.named];
  }
}

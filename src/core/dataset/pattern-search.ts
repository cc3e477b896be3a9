// A text search through a PatternRunner: rows and the texts of each are gathered into batches (about a
// megabyte of text), and while the runner tests one batch the caller reads and parses the next. The rows
// that matched come back in the order they were added.
import { PATTERN_BATCH_CHARS, PATTERN_BATCH_TEXTS, type PatternSpec } from './pattern-jobs.js';
import { PatternCutOffError, type PatternRunner } from './pattern-runner.js';

export class PatternSearch {
  private rows: number[] = [];
  private groups: string[][] = [];
  private chars = 0;
  private inFlight: { rows: number[]; result: Promise<Uint8Array> } | null = null;
  private readonly found: number[] = [];

  constructor(
    private readonly runner: PatternRunner,
    private readonly pattern: PatternSpec,
    /** What a row is called in an error (the image's file name). */
    private readonly nameOf: (row: number) => string,
  ) {}

  /** Adds a row to search; true when the batch is full and the caller should `flush()`. */
  add(row: number, texts: string[]): boolean {
    this.rows.push(row);
    this.groups.push(texts);
    for (const t of texts) this.chars += t.length;
    return this.chars >= PATTERN_BATCH_CHARS || this.groups.length >= PATTERN_BATCH_TEXTS;
  }

  /** Waits for the batch being tested, then sends the gathered one. */
  async flush(): Promise<void> {
    await this.settle();
    // A worker that answers while the next batch is read has its answer handled in the same turn of the
    // event loop (a port drains its messages in one go), and so would the whole search: let the loop turn.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.rows.length === 0) return;
    const rows = this.rows;
    const result = this.runner.test({ op: 'test', pattern: this.pattern, groups: this.groups }).then(
      (r) => r.matched,
      (err: unknown) => {
        throw err instanceof PatternCutOffError && rows[err.at] !== undefined ? err.on(this.nameOf(rows[err.at]!)) : err;
      },
    );
    // Handled here too: a search that stops early (the manifest changed) drops a batch it never awaits.
    result.catch(() => undefined);
    this.inFlight = { rows, result };
    this.rows = [];
    this.groups = [];
    this.chars = 0;
  }

  /** The matching rows, in the order they were added. */
  async finish(): Promise<Int32Array> {
    await this.flush();
    await this.settle();
    return Int32Array.from(this.found);
  }

  private async settle(): Promise<void> {
    const batch = this.inFlight;
    if (!batch) return;
    this.inFlight = null;
    const matched = await batch.result;
    for (let i = 0; i < batch.rows.length; i++) if (matched[i]) this.found.push(batch.rows[i]!);
  }
}

// At most `limit` tasks in flight while a stream produces them (a tar's samples): the stream waits for
// a free slot, so memory holds at most `limit` samples. The first failure is thrown by the next add or
// by drain, after the tasks already started have settled.
export class TaskWindow {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    this.throwFailure();
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwFailure();
    const run: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for everything in flight; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.throwFailure();
  }

  /** Waits for everything in flight, throwing nothing (for cleanup after another error). */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}

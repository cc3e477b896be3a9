// Many small writes kept in flight up to a bound, started as they come: a new one waits only while the
// bound is reached, and then only for the first to finish, so the disk always has `limit` writes to do
// (waiting for a whole batch to finish leaves it idle at each batch's tail).

export class InFlight {
  private running = 0;
  private wake: (() => void) | null = null;
  private failure: { error: unknown } | null = null;
  private idle: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  /** Tracks `task`; a promise to wait for when `limit` are in flight. Throws the first failure of any task. */
  add(task: Promise<unknown>): Promise<void> | undefined {
    this.check();
    this.running++;
    task.then(
      () => this.finished(),
      (error: unknown) => {
        this.failure ??= { error };
        this.finished();
      },
    );
    if (this.running < this.limit) return undefined;
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.check());
  }

  private finished(): void {
    this.running--;
    const wake = this.wake;
    this.wake = null;
    wake?.();
    if (this.running === 0) this.idle?.();
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every task; throws the first failure. */
  async settle(): Promise<void> {
    if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.idle = null;
    this.check();
  }
}

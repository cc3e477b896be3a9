// Buffers of one size, taken to fill and given back once written: a writer that fills chunk after chunk
// (a WebDataset export: a new tar shard every few MB, each with its own chunk) reuses a few instead of
// allocating one per shard, which costs page faults and garbage collections for every few MB written.

/** Buffers kept for reuse at most: more than the chunks ever in flight at once. */
const KEPT = 16;

export class ChunkPool {
  private readonly free: Buffer[] = [];

  constructor(readonly size: number) {}

  /** A buffer of `size` bytes, its contents undefined. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a buffer taken here that nothing reads or writes any more. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < KEPT) this.free.push(buffer);
  }
}

// Chunks written to one file in order, one write in flight while the next chunk fills: a chunk handed over
// is written after the one before it, and a caller handing over a chunk while the one before is still
// being written waits for that one, so at most two chunks are held. A failed write fails every later one;
// it surfaces at the next wait or at the end. The export's text files and tar shards write this way.
import type { FileHandle } from 'node:fs/promises';
import { writeFully } from './write-fully.js';

export class ChainedWrites {
  private latest: Promise<void> | null = null;

  constructor(
    /** The file, or its opening (a file created as its first chunk fills). */
    private readonly handle: FileHandle | Promise<FileHandle>,
    private readonly file: string,
  ) {}

  /** The write of the chunk handed over last, if any. */
  get last(): Promise<void> | null {
    return this.latest;
  }

  /**
   * Writes `data` after every chunk before it; returns the write before it, for the caller to wait for.
   * `released` is called once the write is over, whatever became of it: `data` may be reused then.
   */
  handOver(data: Uint8Array, released?: () => void): Promise<void> | undefined {
    const before = this.latest;
    const handle = this.handle;
    const write = (async () => {
      try {
        if (before) await before;
        await writeFully(await handle, data, this.file);
      } finally {
        released?.();
      }
    })();
    write.catch(() => undefined); // awaited (and thrown) by the caller that waits for it, or at the end
    this.latest = write;
    return before ?? undefined;
  }

  /** Resolves once every chunk handed over is written; rejects with the first failure. */
  async done(): Promise<void> {
    await this.latest;
  }

  /** Waits for the writes, whatever became of them (a file given up). */
  async settled(): Promise<void> {
    await this.latest?.catch(() => undefined);
  }
}

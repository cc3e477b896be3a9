// A buffered text file writer: metadata files grow to hundreds of MB on large exports, so lines are gathered
// and written in large chunks, one chunk in flight while the next is gathered, instead of one write per line.
import { promises as fs } from 'node:fs';
import { writeFully } from '../util/write-fully.js';

/** Characters gathered before they are handed to the file. */
const FLUSH_AT = 4 << 20;

export class TextSink {
  private chunks: string[] = [];
  private pending = 0;
  /** The chunk being written, if any (its failure surfaces at the next wait for it, or at close). */
  private writing: Promise<void> | null = null;

  private constructor(
    private handle: fs.FileHandle | null,
    private readonly file: string,
  ) {}

  static async create(file: string): Promise<TextSink> {
    return new TextSink(await fs.open(file, 'wx', 0o644), file);
  }

  /**
   * Adds text. A promise only when a chunk is handed to the file while the one before it is still being
   * written: the caller waits for that one, so at most two chunks are held.
   */
  write(text: string): Promise<void> | undefined {
    this.chunks.push(text);
    this.pending += text.length;
    return this.pending >= FLUSH_AT ? this.flush() : undefined;
  }

  private flush(): Promise<void> | undefined {
    const handle = this.handle;
    if (this.chunks.length === 0 || !handle) return this.writing ?? undefined;
    const data = this.chunks.join('');
    this.chunks = [];
    this.pending = 0;
    const before = this.writing;
    const write = (async () => {
      if (before) await before;
      await writeFully(handle, data, this.file);
    })();
    write.catch(() => undefined); // awaited (and thrown) by the next flush's caller or by close
    this.writing = write;
    return before ?? undefined;
  }

  /** Flushes, syncs and closes. */
  async close(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    try {
      void this.flush();
      await this.writing;
      await handle.sync();
    } finally {
      this.handle = null;
      await handle.close();
    }
  }

  /** Closes without flushing; for a cancelled or failed export whose files are deleted anyway. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.chunks = [];
    await this.writing?.catch(() => undefined);
    await handle?.close().catch(() => undefined);
  }
}

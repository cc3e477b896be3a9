// A buffered text file writer: metadata files grow to tens of MB on large exports, so lines are gathered
// and written in large chunks instead of one write per line.
import { promises as fs } from 'node:fs';
import { writeFully } from '../util/write-fully.js';

const FLUSH_AT = 1 << 20;

export class TextSink {
  private chunks: string[] = [];
  private pending = 0;

  private constructor(
    private handle: fs.FileHandle | null,
    private readonly file: string,
  ) {}

  static async create(file: string): Promise<TextSink> {
    return new TextSink(await fs.open(file, 'wx', 0o644), file);
  }

  async write(text: string): Promise<void> {
    this.chunks.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0 || !this.handle) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.pending = 0;
    await writeFully(this.handle, data, this.file);
  }

  /** Flushes, syncs and closes. */
  async close(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    try {
      await this.flush();
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
    await handle?.close().catch(() => undefined);
  }
}

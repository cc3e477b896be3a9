// A buffered text file writer: metadata files grow to hundreds of MB on large exports, so lines are gathered
// and written in large chunks, one chunk in flight while the next is gathered, instead of one write per line.
import { promises as fs } from 'node:fs';
import { ChainedWrites } from '../util/chained-writes.js';
import { ChunkPool } from '../util/chunk-pool.js';
import { PrintableAsciiCheck } from '../util/printable-ascii.js';
import { cleanCaptionJson } from '../../shared/caption-text.js';

/** Bytes gathered before they are handed to the file. */
const CHUNK_BYTES = 4 << 20;

/** The most UTF-8 bytes a UTF-16 unit can take (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

export class TextSink {
  // Each text is encoded as it comes, not held as a string: a million lines held until their chunk is
  // written would outlive the young generation and cost the garbage collector most of a large export.
  // Chunks come back once written: a metadata file of hundreds of MB reuses two or three of them.
  private readonly chunks = new ChunkPool(CHUNK_BYTES);
  private buffer = this.chunks.take();
  private readonly printable = new PrintableAsciiCheck();
  private used = 0;
  /** Where the last text added starts in the buffer. */
  private lastStart = 0;
  private readonly writes: ChainedWrites;
  private handle: fs.FileHandle | null;

  private constructor(handle: fs.FileHandle, file: string) {
    this.handle = handle;
    this.writes = new ChainedWrites(handle, file);
  }

  static async create(file: string): Promise<TextSink> {
    return new TextSink(await fs.open(file, 'wx', 0o644), file);
  }

  /**
   * Adds text. A promise only when a chunk is handed to the file while the one before it is still being
   * written: the caller waits for that one, so at most two chunks are held.
   */
  write(text: string): Promise<void> | undefined {
    return this.add(text, false);
  }

  /** write(text + "\n"), without making that string (a line's copy per record of a million). */
  writeLine(text: string): Promise<void> | undefined {
    return this.add(text, true);
  }

  /**
   * write(`${head}${cleanCaptionJson(caption)}${tail}`), with "\n" after it for `newline`. A plain caption
   * (printable ASCII, no quote or backslash: nearly every one) is found so on the bytes written, which costs
   * half of testing the string (util/printable-ascii.ts); any other is written again over it.
   */
  writeWithCaption(head: string, caption: string, tail: string, newline: boolean): Promise<void> | undefined {
    const wait = this.add(`${head}"${caption}"${tail}`, newline);
    // The caption's last `caption.length` bytes, counted back from the end. A caption with other characters
    // has k more bytes than units, and more than k bytes of 0x80 or above, so at least one is in this range.
    const end = this.used - (newline ? 1 : 0) - Buffer.byteLength(tail) - 1;
    if (this.printable.test(this.buffer, end - caption.length, end, true)) return wait;
    this.used = this.lastStart;
    return this.add(`${head}${cleanCaptionJson(caption)}${tail}`, newline) ?? wait;
  }

  private add(text: string, newline: boolean): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    const most = text.length * MAX_BYTES_PER_UNIT + 1;
    if (this.used + most > this.buffer.length) {
      wait = this.flush();
      // Another buffer: the one handed over is the file's until written. A text longer than a chunk gets its own size.
      this.buffer = most > CHUNK_BYTES ? Buffer.allocUnsafe(most) : this.chunks.take();
    }
    this.lastStart = this.used;
    this.used += this.buffer.write(text, this.used);
    if (newline) this.buffer[this.used++] = 0x0a;
    return wait;
  }

  private flush(): Promise<void> | undefined {
    if (this.used === 0 || !this.handle) return this.writes.last ?? undefined;
    const buffer = this.buffer;
    const data = buffer.subarray(0, this.used);
    this.used = 0;
    return this.writes.handOver(data, () => this.chunks.give(buffer));
  }

  /** Flushes, syncs and closes. */
  async close(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    try {
      void this.flush();
      await this.writes.done();
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
    this.used = 0;
    await this.writes.settled();
    await handle?.close().catch(() => undefined);
  }
}

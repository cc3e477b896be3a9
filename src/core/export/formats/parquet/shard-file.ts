// One Parquet file being written: hyparquet-writer encodes into a ByteWriter, and this subclass empties
// the buffer into the file after every row group (the writer awaits flush() before encoding the next), so
// a shard of any size holds at most one row group in memory. Every byte goes through writeFully: a disk
// that fills up fails the export instead of leaving a short file.
import { promises as fs } from 'node:fs';
import { ByteWriter } from 'hyparquet-writer';
import { assertFileSize, writeFully } from '../../../util/write-fully.js';

export class ParquetShardFile extends ByteWriter {
  private written = 0;
  private closed = false;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly file: string,
  ) {
    super(1 << 20);
  }

  static async create(file: string): Promise<ParquetShardFile> {
    return new ParquetShardFile(await fs.open(file, 'wx', 0o644), file);
  }

  /** Bytes encoded so far, flushed or not: what the shard's size bound is checked against. */
  get size(): number {
    return this.offset;
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    // The encoder reuses the buffer from index 0 once this returns, so the bytes are written first.
    this.written += await writeFully(this.handle, new Uint8Array(this.buffer, 0, this.index), this.file);
    this.index = 0;
  }

  /** Called by ParquetWriter.finish() after the footer: flush, check the size, sync, close. */
  override async finish(): Promise<void> {
    await this.flush();
    await assertFileSize(this.handle, this.written, this.file);
    await this.handle.sync();
    this.closed = true;
    await this.handle.close();
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

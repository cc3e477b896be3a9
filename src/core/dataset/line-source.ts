// Where an indexed manifest's lines live: the manifest file (held open, so a teammate's rename over it
// leaves the indexed version readable) or a buffer. Reads are synchronous and bounded by the line length
// the index recorded; a file that changed in place since it was indexed is refused, never read at stale offsets.
import * as fs from 'node:fs';

export class ManifestChangedError extends Error {
  override name = 'ManifestChangedError';
}

export interface LineSource {
  /** `length` bytes at `offset`, as a view valid until the next read. Throws ManifestChangedError. */
  read(offset: number, length: number): Buffer;
  close(): void;
}

interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

function identityOf(stat: fs.Stats): FileIdentity {
  return { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
}

// A source the program forgot to close still gives its descriptor back when it is collected.
const closeOnCollect = new FinalizationRegistry<number>((fd) => fs.close(fd, () => undefined));

/** Reads up to this long reuse one buffer (a view valid until the next read); longer ones allocate their own. */
export const SCRATCH_READ_BYTES = 64 * 1024;

export class FileLineSource implements LineSource {
  private fd: number | null;
  private scratch = Buffer.allocUnsafe(SCRATCH_READ_BYTES);

  private constructor(
    readonly file: string,
    fd: number,
    private readonly identity: FileIdentity,
  ) {
    this.fd = fd;
    closeOnCollect.register(this, fd, this);
  }

  /**
   * Opens `file` for reading. `shownAs`: the name messages use (the manifest's, for a temp file about to be
   * renamed onto it). Throws ENOENT when there is none and EISDIR for a folder.
   */
  static open(file: string, shownAs = file): FileLineSource {
    const fd = fs.openSync(file, 'r');
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error(`${file} is a folder`), { code: 'EISDIR' });
      return new FileLineSource(shownAs, fd, identityOf(stat));
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Reads up to `target.length` bytes at `position`, without blocking the event loop (the index pass). */
  readAsync(target: Buffer, position: number): Promise<number> {
    const fd = this.descriptor();
    return new Promise((resolve, reject) => fs.read(fd, target, 0, target.length, position, (err, n) => (err ? reject(err) : resolve(n))));
  }

  /**
   * The open descriptor, for an index worker in this process (threads share descriptors). The source must
   * stay open until the worker is done: the descriptor number could otherwise name another file.
   */
  get descriptorForWorker(): number {
    return this.descriptor();
  }

  /** Size, mtime and inode when opened: the index built over this source describes exactly that file. */
  get stamp(): Readonly<FileIdentity> {
    return this.identity;
  }

  /** Throws when the open file is no longer what was indexed (written in place, truncated, appended to). */
  check(): void {
    const now = identityOf(fs.fstatSync(this.descriptor()));
    if (now.size !== this.identity.size || now.mtimeMs !== this.identity.mtimeMs) {
      throw new ManifestChangedError(`${this.file} changed on disk while it was open; it is read again before anything else is shown or saved`);
    }
  }

  private descriptor(): number {
    if (this.fd === null) throw new Error(`${this.file} was closed`);
    return this.fd;
  }

  read(offset: number, length: number): Buffer {
    this.check();
    // Lines fit the scratch buffer; a longer read (a window, a huge problem line) gets its own, not kept.
    const target = length <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(length);
    const fd = this.descriptor();
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, target, got, length - got, offset + got);
      if (n === 0) throw new ManifestChangedError(`${this.file} is shorter than when it was read; it is read again`);
      got += n;
    }
    return target.subarray(0, length);
  }

  close(): void {
    if (this.fd === null) return;
    closeOnCollect.unregister(this);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

export class BufferLineSource implements LineSource {
  constructor(private readonly bytes: Buffer) {}

  read(offset: number, length: number): Buffer {
    return this.bytes.subarray(offset, offset + length);
  }

  close(): void {}
}

/**
 * Reads lines in ascending offset order through a window, so a pass over a sorted manifest is a few large
 * reads instead of one per line. Out of order (an unsorted file's first save), it falls back to exact reads.
 */
export class SequentialReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  private served = 0;

  constructor(
    private readonly source: LineSource,
    /** The source's length in bytes: a window never reads past it. */
    private readonly sourceBytes: number,
    private readonly windowBytes = 4 << 20,
  ) {}

  read(offset: number, length: number): Buffer {
    const at = offset - this.windowStart;
    if (at >= 0 && at + length <= this.window.length) {
      this.served++;
      return this.window.subarray(at, at + length);
    }
    // The last window served one line or none: reads are jumping around, so read just this line.
    const jumping = this.window.length > 0 && this.served <= 1;
    const size = jumping ? length : Math.max(length, Math.min(this.windowBytes, this.sourceBytes - offset));
    // Copied: a source's view is valid only until its next read.
    this.window = Buffer.from(this.source.read(offset, size));
    this.windowStart = offset;
    this.served = 1;
    return this.window.subarray(0, length);
  }
}

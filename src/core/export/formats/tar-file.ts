// A tar file written by hand: plain file entries with a fixed owner, mode and time, laid out byte for byte as
// tar-stream packs them (a ustar header; a pax header first for a name ustar cannot hold), without a stream
// object and a callback per entry. A shard of a million samples is three million entries. The bytes are
// gathered in large chunks, one written while the next fills.
import { promises as fs } from 'node:fs';
import { ChainedWrites } from '../../util/chained-writes.js';
import { ChunkPool } from '../../util/chunk-pool.js';
import { PrintableAsciiCheck } from '../../util/printable-ascii.js';

const BLOCK = 512;
/** Bytes gathered before a chunk goes to the file. */
export const TAR_CHUNK_BYTES = 4 << 20;
const MODE = 0o644;
const ZEROS = Buffer.alloc(2 * BLOCK);
/** The chunk of a finished file: nothing more goes in. */
const EMPTY = Buffer.alloc(0);

/** What an entry's header carries besides its name and size: the same for every entry of a shard. */
export interface TarEntryFacts {
  /** Seconds since 1970. */
  mtime: number;
}

/** `value` in octal, `digits` wide, then a space: tar's numeric fields (all sevens when it does not fit). */
function octal(value: number, digits: number): string {
  const text = value.toString(8);
  return text.length > digits ? `${'7'.repeat(digits)} ` : `${text.padStart(digits, '0')} `;
}

/**
 * The header fields every entry shares (mode, owner, time, magic): a header is this template with its name,
 * size, type and checksum written in. `sum` is the checksum of the template's bytes, its own field counted as
 * spaces (tar's rule).
 */
function headerTemplate(mtime: number): { block: Buffer; sum: number } {
  const block = Buffer.alloc(BLOCK);
  block.write(octal(MODE, 6), 100, 'latin1');
  block.write(octal(0, 6), 108, 'latin1');
  block.write(octal(0, 6), 116, 'latin1');
  block.write(octal(mtime, 11), 136, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.write(octal(0, 6), 329, 'latin1');
  block.write(octal(0, 6), 337, 'latin1');
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  return { block, sum };
}

/** The checksum field as octal(sum, 6) writes it, six digits and a space, byte by byte (a header per entry: millions of them). A checksum is at most 512 × 255, six octal digits. */
function writeChecksum(target: Buffer, at: number, sum: number): void {
  let rest = sum;
  for (let i = 5; i >= 0; i--) {
    target[at + i] = 0x30 + (rest & 7);
    rest >>>= 3;
  }
  target[at + 6] = 0x20;
}

/** The size field: 11 octal digits and a space, or base-256 (as tar-stream writes sizes past 8 GiB). */
function writeSize(target: Buffer, at: number, size: number): number {
  let sum = 0;
  if (size > 0o77777777777) {
    target[at] = 0x80;
    sum += 0x80;
    let rest = size;
    for (let i = 11; i > 0; i--) {
      target[at + i] = rest & 0xff;
      sum += rest & 0xff;
      rest = Math.floor(rest / 0x100);
    }
    return sum;
  }
  let rest = size;
  for (let i = 10; i >= 0; i--) {
    const digit = 0x30 + (rest & 7);
    target[at + i] = digit;
    sum += digit;
    rest = Math.floor(rest / 8);
  }
  target[at + 11] = 0x20;
  return sum + 0x20;
}

/** A pax record: its length in decimal (counting itself), then the text. */
function paxRecord(text: string): Buffer {
  const length = Buffer.byteLength(text);
  let digits = Math.floor(Math.log10(length)) + 1;
  if (length + digits >= 10 ** digits) digits++;
  return Buffer.from(`${length + digits}${text}`, 'utf8');
}

/** Whether a ustar header holds `name` as it is: ASCII and 100 bytes at most (others need a pax header). */
function ustarHolds(name: string): boolean {
  return name.length <= 100 && Buffer.byteLength(name) === name.length;
}

const PAX_TYPE = 72;
const FILE_TYPE = 0;

export class TarFile {
  private chunk: Buffer;
  private readonly printable = new PrintableAsciiCheck();
  private used = 0;
  private readonly template: { block: Buffer; sum: number };
  private readonly writes: ChainedWrites;
  private closed = false;

  private constructor(
    /** The file, opened before the first chunk is written to it. */
    private readonly opened: Promise<fs.FileHandle>,
    readonly file: string,
    private readonly facts: TarEntryFacts,
    /** Where chunks come from and go back to once written (shared by the shards of one export). */
    private readonly chunks: ChunkPool,
  ) {
    // Its failure surfaces at the first write or at finish.
    opened.catch(() => undefined);
    if (chunks.size % BLOCK !== 0) throw new RangeError(`tar chunks are whole ${BLOCK}-byte blocks, not ${chunks.size} bytes`);
    this.chunk = chunks.take();
    this.writes = new ChainedWrites(opened, file);
    this.template = headerTemplate(facts.mtime);
  }

  /** A new tar file, once it is created. */
  static async create(file: string, facts: TarEntryFacts, chunks = new ChunkPool(TAR_CHUNK_BYTES)): Promise<TarFile> {
    const tar = TarFile.start(file, facts, chunks);
    await tar.opened;
    return tar;
  }

  /**
   * A new tar file taking entries at once, created while they are gathered: a writer that starts shard after
   * shard waits for no file system round trip (creating it fails at the first write, or at finish).
   */
  static start(file: string, facts: TarEntryFacts, chunks = new ChunkPool(TAR_CHUNK_BYTES)): TarFile {
    return new TarFile(fs.open(file, 'wx', MODE), file, facts, chunks);
  }

  private append(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      // Every byte of a chunk is set before it is written.
      if (this.used === this.chunk.length) this.handOver(this.chunks.take());
      const n = Math.min(bytes.length - from, this.chunk.length - this.used);
      this.chunk.set(bytes.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
    }
  }

  /** Zero bytes up to the next block boundary after `size` bytes of data. */
  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest === 0) return;
    // Chunks are whole blocks: the padding never straddles two (filled in place, no view made per entry).
    const end = this.used + BLOCK - rest;
    this.chunk.fill(0, this.used, end);
    this.used = end;
  }

  /**
   * Appends a ustar header (tar-stream's encoding), written straight into the chunk from the template;
   * false when the name needs a pax header (not ASCII, or over 100 bytes: these names have no folder to cut).
   */
  private appendHeader(name: string, size: number, typeflag: number): boolean {
    if (!ustarHolds(name)) return false;
    // Entries are whole blocks, and a chunk is too: a header never straddles two chunks.
    if (this.used === this.chunk.length) this.handOver(this.chunks.take());
    const chunk = this.chunk;
    const at = this.used;
    chunk.set(this.template.block, at);
    let sum = this.template.sum;
    for (let i = 0; i < name.length; i++) {
      const code = name.charCodeAt(i);
      chunk[at + i] = code;
      sum += code;
    }
    sum += writeSize(chunk, at + 124, size);
    chunk[at + 156] = 0x30 + typeflag;
    sum += 0x30 + typeflag;
    writeChecksum(chunk, at + 148, sum);
    this.used += BLOCK;
    return true;
  }

  /**
   * Adds a file entry holding `text` in UTF-8, as entry(name, Buffer.from(text)) would, or clean(text) where
   * `clean` is given: called only for a text whose bytes are not all printable ASCII, which it must leave as
   * it is (cleanCaptionText; checking the bytes written costs a third of testing the string). When the
   * text at its longest fits the chunk, it is encoded in place, behind the room kept for its header (a
   * WebDataset sample's caption and facts: two buffers a sample otherwise).
   */
  entryText(name: string, text: string, clean?: (text: string) => string): Promise<void> | undefined {
    const room = this.chunk.length - this.used;
    if (!ustarHolds(name) || text.length * 3 + 2 * BLOCK > room) return this.entry(name, Buffer.from(clean ? clean(text) : text, 'utf8'));
    const at = this.used + BLOCK;
    let size = this.chunk.write(text, at);
    // A cleaned text is never longer: it only drops characters or makes them "\n".
    if (clean && !this.printable.test(this.chunk, at, at + size)) size = this.chunk.write(clean(text), at);
    this.appendHeader(name, size, FILE_TYPE);
    this.used += size;
    this.pad(size);
    return undefined;
  }

  /** Adds a file entry. A promise only when the chunk before is still being written: wait for it. */
  entry(name: string, data: Uint8Array): Promise<void> | undefined {
    const writing = this.writes.last;
    if (!this.appendHeader(name, data.length, FILE_TYPE)) {
      // A name ustar cannot hold: a pax header gives it, then the entry goes under the name PaxHeader.
      const pax = paxRecord(` path=${name}\n`);
      this.appendHeader('PaxHeader', pax.length, PAX_TYPE);
      this.append(pax);
      this.pad(pax.length);
      this.appendHeader('PaxHeader', data.length, FILE_TYPE);
    }
    this.append(data);
    this.pad(data.length);
    return this.writes.last !== writing && writing !== null ? writing : undefined;
  }

  /** Sends the filled chunk to the file, after the one before it; `next` becomes the chunk to fill. */
  private handOver(next: Buffer | null): void {
    if (this.closed) throw new Error(`${this.file} is closed`);
    const chunk = this.chunk;
    // The write before it is waited for by the entry that handed this chunk over (entry()), or at finish.
    void this.writes.handOver(chunk.subarray(0, this.used), () => this.chunks.give(chunk));
    this.chunk = next ?? EMPTY;
    this.used = 0;
  }

  /**
   * Ends the archive (two zero blocks), writes what is left and closes the file; `sync` flushes it to disk
   * first (a shard synced as it finishes, behind the writing, instead of every shard at the end).
   */
  async finish(options: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.append(ZEROS.subarray(0, 2 * BLOCK));
    this.handOver(null);
    this.closed = true;
    const handle = await this.opened;
    try {
      await this.writes.done();
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.settled();
    await this.opened.then((handle) => handle.close()).catch(() => undefined);
  }
}

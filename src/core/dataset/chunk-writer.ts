// How a save turns lines into the chunks it writes: short lines gathered into chunks of about a megabyte,
// long ones streamed from their file in pieces, with the offset and number of every line kept for the store.
import { SCRATCH_READ_BYTES, type LineSource, type SequentialReader } from './line-source.js';

/** Bytes a save gathers before handing them to the file. */
export const SAVE_CHUNK_BYTES = 1 << 20;

/** Where a line went: its byte offset and 1-based line number. */
export interface LineAt {
  offset: number;
  line: number;
}

/**
 * Gathers lines into chunks, keeping count of bytes and lines written. A line of SAVE_CHUNK_BYTES or more is
 * not gathered: it goes out on its own, read from its file a piece at a time, so a long line costs a piece
 * of memory, not three copies of itself (the read, the gathered copy, the joined chunk).
 */
export class ChunkWriter {
  private parts: Buffer[] = [];
  pending = 0;
  position = 0;
  private lines = 0;

  constructor(private readonly eol: Buffer) {}

  raw(bytes: Buffer): void {
    this.parts.push(bytes);
    this.pending += bytes.length;
    this.position += bytes.length;
  }

  /** Adds a line (copied: the bytes may be a reader's window); returns where it starts and its 1-based number. */
  line(bytes: Buffer): LineAt {
    const at = { offset: this.position, line: ++this.lines };
    this.raw(Buffer.from(bytes));
    this.raw(this.eol);
    return at;
  }

  /** Adds a line made here (not a view of anything): a long one goes out as it is, after what is pending. */
  *lineOf(bytes: Buffer): Generator<Uint8Array, LineAt> {
    if (bytes.length < SAVE_CHUNK_BYTES) return this.line(bytes);
    return yield* this.longLine([bytes], bytes.length);
  }

  /** Adds `length` bytes at `offset` of `source` as a line; a short one through `reader` (a window), if given. */
  *lineFrom(source: LineSource, offset: number, length: number, reader?: SequentialReader): Generator<Uint8Array, LineAt> {
    if (length < SAVE_CHUNK_BYTES) return this.line((reader ?? source).read(offset, length));
    return yield* this.longLine(piecesOf(source, offset, length), length);
  }

  private *longLine(pieces: Iterable<Uint8Array>, length: number): Generator<Uint8Array, LineAt> {
    const at = { offset: this.position, line: ++this.lines };
    if (this.pending > 0) yield this.take();
    // Each piece is written before the next is read (the consumer pulls): a view is not copied.
    yield* pieces;
    this.position += length;
    this.raw(this.eol);
    return at;
  }

  take(): Buffer {
    const chunk = Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    return chunk;
  }
}

/** `length` bytes of `source` at `offset`, in pieces a file source reads into its one scratch buffer (no garbage). */
function* piecesOf(source: LineSource, offset: number, length: number): Generator<Uint8Array> {
  for (let done = 0; done < length; done += SCRATCH_READ_BYTES) yield source.read(offset + done, Math.min(SCRATCH_READ_BYTES, length - done));
}

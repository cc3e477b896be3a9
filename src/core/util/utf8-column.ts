// Texts by row as UTF-8 in one growing buffer, with each row's end. A million texts held as strings would
// each be an object the garbage collector moves and marks for a whole pass (duplicate groups keep every
// image's name); bytes in a buffer are none. And the buffer can go to another thread whole, transferred, where
// a list of strings is cloned one by one (a Parquet export's text columns).
import { grown } from './grown.js';
import { PrintableAsciiCheck } from './printable-ascii.js';

/** A column's rows as they leave it: row i is bytes[ends[i - 1] .. ends[i]), or null where nulls[i] is 1. */
export interface Utf8Values {
  utf8: true;
  bytes: Uint8Array;
  ends: Uint32Array;
  /** null when no row is null. */
  nulls: Uint8Array | null;
}

/** The most UTF-8 bytes a UTF-16 unit takes. */
const MAX_BYTES_PER_UNIT = 3;

export class Utf8Column {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private readonly printable = new PrintableAsciiCheck();
  private ends = new Uint32Array(1024);
  /** Made at the first null row: most columns have none. */
  private nulls: Uint8Array | null = null;
  private rows = 0;

  get size(): number {
    return this.rows;
  }

  push(text: string | null): void {
    const start = this.rows === 0 ? 0 : this.ends[this.rows - 1]!;
    if (this.rows === this.ends.length) this.ends = grown(this.ends, this.rows + 1);
    if (text === null) {
      this.nulls ??= new Uint8Array(this.ends.length);
      if (this.nulls.length < this.ends.length) this.nulls = grown(this.nulls, this.ends.length);
      this.nulls[this.rows] = 1;
      this.ends[this.rows++] = start;
      return;
    }
    const most = text.length * MAX_BYTES_PER_UNIT;
    if (start + most > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, start + most));
      this.bytes.copy(bytes, 0, 0, start);
      this.bytes = bytes;
    }
    this.ends[this.rows++] = start + this.bytes.write(text, start, 'utf8');
  }

  /**
   * push(clean(text)), calling `clean` only for a text whose bytes are not all printable ASCII: `clean` must
   * leave such a text as it is (cleanCaptionText does). The check of the bytes just written is what a
   * caption column's million texts pay instead of a test of each string.
   */
  pushCleaned(text: string, clean: (text: string) => string): void {
    this.push(text);
    const start = this.rows === 1 ? 0 : this.ends[this.rows - 2]!;
    if (this.printable.test(this.bytes, start, this.ends[this.rows - 1]!)) return;
    const cleaned = clean(text);
    if (cleaned === text) return;
    // Written again over the row's bytes.
    this.rows--;
    this.push(cleaned);
  }

  at(row: number): string | null {
    if (this.nulls && row < this.nulls.length && this.nulls[row]) return null;
    return this.bytes.toString('utf8', row === 0 ? 0 : this.ends[row - 1], this.ends[row]);
  }

  /** The rows so far, their buffers to be transferred; the column starts again, empty. */
  take(): Utf8Values {
    const used = this.rows === 0 ? 0 : this.ends[this.rows - 1]!;
    const values: Utf8Values = { utf8: true, bytes: this.bytes.subarray(0, used), ends: this.ends.subarray(0, this.rows), nulls: this.nulls?.subarray(0, this.rows) ?? null };
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.ends = new Uint32Array(this.ends.length);
    this.nulls = null;
    this.rows = 0;
    return values;
  }
}

/** The buffers `values` lives in, for postMessage's transfer list. */
export function utf8Buffers(values: Utf8Values): ArrayBuffer[] {
  const buffers = [values.bytes.buffer as ArrayBuffer, values.ends.buffer as ArrayBuffer];
  if (values.nulls) buffers.push(values.nulls.buffer as ArrayBuffer);
  return buffers;
}

/** Each row's bytes (a view into the one buffer) or null, as an encoder takes a byte array column. */
export function utf8Rows(values: Utf8Values): (Uint8Array | null)[] {
  const { bytes, ends, nulls } = values;
  const rows = new Array<Uint8Array | null>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    rows[i] = nulls?.[i] ? null : bytes.subarray(start, end);
    start = end;
  }
  return rows;
}

export function isUtf8Values(data: unknown): data is Utf8Values {
  return typeof data === 'object' && data !== null && (data as Partial<Utf8Values>).utf8 === true;
}

// A text column of a row group as UTF-8 in one buffer, with each value's end: what goes to the Parquet
// thread for the columns with a text per row (file names, captions, hashes). Cloned string by string, a
// row group's texts cost the export's thread more than writing them as bytes, and the thread then encoded
// them again; as one transferred buffer they cost neither, and the encoder takes byte values as they are.

/** The values of one column: row i is bytes[ends[i - 1] .. ends[i]), or null where nulls[i] is 1. */
export interface Utf8Values {
  utf8: true;
  bytes: Uint8Array;
  ends: Uint32Array;
  nulls: Uint8Array;
}

/** The most UTF-8 bytes a UTF-16 unit takes. */
const MAX_BYTES_PER_UNIT = 3;

export class Utf8ColumnBuilder {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private ends = new Uint32Array(1024);
  private nulls = new Uint8Array(1024);
  private rows = 0;
  private used = 0;

  add(text: string | null): void {
    if (this.rows === this.ends.length) {
      this.ends = grown(this.ends, this.rows * 2);
      this.nulls = grown(this.nulls, this.rows * 2);
    }
    if (text === null) this.nulls[this.rows] = 1;
    else {
      const most = text.length * MAX_BYTES_PER_UNIT;
      if (this.used + most > this.bytes.length) {
        const bytes = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + most));
        this.bytes.copy(bytes, 0, 0, this.used);
        this.bytes = bytes;
      }
      this.used += this.bytes.write(text, this.used, 'utf8');
    }
    this.ends[this.rows++] = this.used;
  }

  /** The column's values so far (their buffers to be transferred); the builder starts again. */
  take(): Utf8Values {
    const values: Utf8Values = { utf8: true, bytes: this.bytes.subarray(0, this.used), ends: this.ends.subarray(0, this.rows), nulls: this.nulls.subarray(0, this.rows) };
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.ends = new Uint32Array(this.ends.length);
    this.nulls = new Uint8Array(this.nulls.length);
    this.rows = 0;
    this.used = 0;
    return values;
  }
}

function grown<T extends Uint32Array | Uint8Array>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}

/** The buffers `values` lives in, for postMessage's transfer list. */
export function utf8Buffers(values: Utf8Values): ArrayBuffer[] {
  return [values.bytes.buffer as ArrayBuffer, values.ends.buffer as ArrayBuffer, values.nulls.buffer as ArrayBuffer];
}

/** Each row's bytes (a view into the one buffer) or null, as the encoder takes a byte array column. */
export function utf8Rows(values: Utf8Values): (Uint8Array | null)[] {
  const { bytes, ends, nulls } = values;
  const rows = new Array<Uint8Array | null>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    rows[i] = nulls[i] ? null : bytes.subarray(start, end);
    start = end;
  }
  return rows;
}

export function isUtf8Values(data: unknown): data is Utf8Values {
  return typeof data === 'object' && data !== null && (data as Partial<Utf8Values>).utf8 === true;
}

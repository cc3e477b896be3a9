// A reader of thrift's compact protocol over untrusted bytes that allocates nothing it is not asked for:
// fields a caller does not need are skipped in place (a list of a million empty structs costs a million
// steps and no memory), every read stays inside its bytes, and nesting has a depth bound.
import { MAX_THRIFT_DEPTH } from './import-limits.js';
import { EndsEarlyError, ParquetFormatError } from './parquet-format-error.js';

export const CompactType = { Stop: 0, True: 1, False: 2, Byte: 3, I16: 4, I32: 5, I64: 6, Double: 7, Binary: 8, List: 9, Set: 10, Map: 11, Struct: 12 } as const;

export class CompactReader {
  /** Values stepped over so far (skip), against maxValues. */
  private values = 0;

  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    /** What the bytes are, for messages: "page header". */
    private readonly what: string,
    /** Values (struct fields, list items) skip may step over, all told: what a parser of them would allocate. */
    private readonly maxValues = Infinity,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new EndsEarlyError(`its ${this.what} ends early`);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned varint of at most 10 bytes, as a number while it is exact, else an error. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (!(b & 0x80)) {
        if (!Number.isSafeInteger(result)) throw new ParquetFormatError(`its ${this.what} holds a number too large to be a size or a count`);
        return result;
      }
      scale *= 128;
    }
    throw new ParquetFormatError(`its ${this.what} holds a number longer than 10 bytes`);
  }

  /** A zigzag-encoded signed integer (i16, i32, i64). */
  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** The next field's header inside a struct: its id and type, or null at the struct's end. */
  fieldHeader(lastId: number): { id: number; type: number } | null {
    const b = this.byte();
    const type = b & 0x0f;
    if (type === CompactType.Stop) return null;
    const delta = b >> 4;
    return { id: delta ? lastId + delta : this.zigzag(), type };
  }

  /** Steps over one value of `type`, reading nothing into memory. */
  skip(type: number, depth = 0): void {
    if (depth > MAX_THRIFT_DEPTH) throw new ParquetFormatError(`its ${this.what} is nested more than ${MAX_THRIFT_DEPTH} deep`);
    this.count(1);
    switch (type) {
      case CompactType.True:
      case CompactType.False:
        return;
      case CompactType.Byte:
        this.byte();
        return;
      case CompactType.I16:
      case CompactType.I32:
      case CompactType.I64:
        this.varint();
        return;
      case CompactType.Double:
        this.advance(8);
        return;
      case CompactType.Binary:
        this.advance(this.varint());
        return;
      case CompactType.List:
      case CompactType.Set: {
        const head = this.byte();
        const size = head >> 4 === 15 ? this.varint() : head >> 4;
        const element = head & 0x0f;
        // Refused before it is walked: a parser allocates the whole list at once.
        this.count(size);
        this.values -= size;
        // A boolean element is one byte in a list (not folded into a field header).
        for (let i = 0; i < size; i++) this.skip(element === CompactType.True || element === CompactType.False ? CompactType.Byte : element, depth + 1);
        return;
      }
      case CompactType.Map: {
        const size = this.varint();
        if (size === 0) return;
        this.count(2 * size);
        this.values -= 2 * size;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(types >> 4, depth + 1);
          this.skip(types & 0x0f, depth + 1);
        }
        return;
      }
      case CompactType.Struct: {
        let id = 0;
        for (let field = this.fieldHeader(id); field !== null; field = this.fieldHeader(id)) {
          this.skip(field.type, depth + 1);
          id = field.id;
        }
        return;
      }
      default:
        throw new ParquetFormatError(`its ${this.what} holds a value of unknown thrift type ${type}`);
    }
  }

  private count(n: number): void {
    if (this.values + n > this.maxValues) throw new ParquetFormatError(`its ${this.what} holds more than ${this.maxValues.toLocaleString('en-US')} values`, 'too-large');
    this.values += n;
  }

  private advance(n: number): void {
    if (this.pos + n > this.bytes.length) throw new EndsEarlyError(`its ${this.what} ends early`);
    this.pos += n;
  }
}

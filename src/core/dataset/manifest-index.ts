// Builds a manifest's index in one pass over its bytes: for every record its name, where its line is, and
// its facts in columns; for every unreadable line its span and why. No record is kept, so memory is the
// index (about 60 bytes a record with its name), whatever the file's size.
import { compareFileNames, ManifestLineParser, MAX_LINE_BYTES, type LineSpan, type ManifestProblem } from './manifest-codec.js';
import { RecordColumns } from './record-columns.js';
import type { ManifestRecord } from '../../shared/record.js';

export interface ManifestIndex {
  /** Record names, sorted (manifest order). Row i of every array below is names[i]. */
  names: string[];
  /** Byte offset of each record's line in the source; -1 for a record that is not there yet. */
  offsets: Float64Array;
  /** Byte length of each record's line, without its line break. */
  lengths: Uint32Array;
  columns: RecordColumns;
  problems: ManifestProblem[];
  eol: '\n' | '\r\n';
  hadBom: boolean;
  /** Length of the source in bytes. */
  bytes: number;
}

/** Block size of an index pass: large enough for few reads, small enough that each block parses in ~50 ms. */
export const INDEX_BLOCK_BYTES = 4 << 20;

/** Takes a manifest's bytes block by block and cuts them into lines, however lines fall across blocks. */
export class IndexBuilder {
  private readonly names: string[] = [];
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private readonly columns = new RecordColumns();
  private readonly parser: ManifestLineParser;
  private span: LineSpan = { offset: 0, length: 0 };
  private sorted = true;
  /** Bytes of the current line that came in earlier blocks (only the first MAX_LINE_BYTES + 1 are kept). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryLastByte = 0;
  private lineStart = 0;
  private position = 0;
  private lineNumber = 0;
  private hadBom = false;

  constructor() {
    this.parser = new ManifestLineParser((record) => this.addRecord(record));
  }

  private addRecord(record: ManifestRecord): void {
    const row = this.columns.push(record);
    if (row === this.offsets.length) {
      const offsets = new Float64Array(row * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Uint32Array(row * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    this.offsets[row] = this.span.offset;
    this.lengths[row] = this.span.length;
    const previous = this.names[row - 1];
    if (previous !== undefined && compareFileNames(previous, record.file_name) > 0) this.sorted = false;
    this.names.push(record.file_name);
  }

  /** The next block of the file. `block` may be reused by the caller afterwards. */
  add(block: Buffer): void {
    let start = 0;
    for (let end = block.indexOf(10, start); end !== -1; end = block.indexOf(10, start)) {
      this.endLine(block.subarray(start, end));
      start = end + 1;
      this.lineStart = this.position + start;
    }
    if (start < block.length) this.keep(block.subarray(start));
    this.position += block.length;
  }

  private keep(part: Buffer): void {
    // A line past the limit is kept as a span, never as bytes: only its head (to name its image) is held.
    const room = MAX_LINE_BYTES + 1 - this.carryBytes;
    if (room > 0) this.carry.push(Buffer.from(part.subarray(0, Math.min(room, part.length))));
    this.carryBytes += part.length;
    this.carryLastByte = part[part.length - 1]!;
  }

  private endLine(last: Buffer): void {
    this.lineNumber++;
    let length = this.carryBytes + last.length;
    const lastByte = last.length > 0 ? last[last.length - 1] : length > 0 ? this.carryLastByte : undefined;
    // At most MAX_LINE_BYTES + 1 bytes of a line are ever held: enough to tell it is too long.
    let bytes = this.carry.length ? Buffer.concat([...this.carry, last.subarray(0, Math.max(0, MAX_LINE_BYTES + 1 - this.carryBytes))]) : last;
    this.carry = [];
    this.carryBytes = 0;
    let offset = this.lineStart;
    if (lastByte === 13) {
      this.parser.noteCrlf();
      length--;
      if (bytes.length > length) bytes = bytes.subarray(0, length);
    }
    if (this.lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.hadBom = true;
      bytes = bytes.subarray(3);
      offset += 3;
      length -= 3;
    }
    this.span = { offset, length };
    if (length > MAX_LINE_BYTES) this.parser.addOversized(bytes.subarray(0, 4096), this.span, length);
    else this.parser.add(bytes.toString('utf8'), this.span);
  }

  /** The index, with rows in name order (sorted here when the file was not). */
  finish(): ManifestIndex {
    if (this.carryBytes > 0) {
      this.lineStart = this.position - this.carryBytes;
      this.endLine(Buffer.alloc(0));
    }
    const parsed = this.parser.finish();
    const count = this.names.length;
    let names = this.names;
    let offsets = this.offsets.slice(0, count);
    let lengths = this.lengths.slice(0, count);
    let columns = this.columns;
    if (!this.sorted) {
      const rows = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => compareFileNames(names[a]!, names[b]!));
      names = Array.from(rows, (r) => this.names[r]!);
      offsets = Float64Array.from(rows, (r) => this.offsets[r]!);
      lengths = Uint32Array.from(rows, (r) => this.lengths[r]!);
      columns = columns.permuted(rows);
    }
    return { names, offsets, lengths, columns, problems: parsed.problems, eol: parsed.eol, hadBom: this.hadBom, bytes: this.position };
  }
}

export function emptyIndex(): ManifestIndex {
  return { names: [], offsets: new Float64Array(0), lengths: new Uint32Array(0), columns: new RecordColumns(), problems: [], eol: '\n', hadBom: false, bytes: 0 };
}

// Builds a manifest's index in one pass over its bytes: for every record its name, where its line is, and
// its facts in columns; for every unreadable line its span and why. No record is kept, so memory is the
// index (about 60 bytes a record with its name), whatever the file's size.
import { compareFileNames, ManifestLineParser, type ManifestProblem } from './manifest-codec.js';
import { LineSplitter } from './line-splitter.js';
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
  /** Each record's 1-based line number: a duplicate found after sorting becomes a problem line with it. */
  private lines = new Uint32Array(1024);
  private readonly columns = new RecordColumns();
  private readonly parser: ManifestLineParser;
  private readonly splitter: LineSplitter;
  private sorted = true;

  constructor() {
    this.parser = new ManifestLineParser((record, line) => this.addRecord(record, line), false);
    this.splitter = new LineSplitter(this.parser);
  }

  private addRecord(record: ManifestRecord, line: number): void {
    const row = this.columns.push(record);
    if (row === this.offsets.length) {
      const offsets = new Float64Array(row * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Uint32Array(row * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
      const lines = new Uint32Array(row * 2);
      lines.set(this.lines);
      this.lines = lines;
    }
    this.offsets[row] = this.splitter.span.offset;
    this.lengths[row] = this.splitter.span.length;
    this.lines[row] = line;
    const previous = this.names[row - 1];
    if (previous !== undefined && compareFileNames(previous, record.file_name) > 0) this.sorted = false;
    this.names.push(record.file_name);
  }

  /** The next block of the file. `block` may be reused by the caller afterwards. */
  add(block: Buffer): void {
    this.splitter.add(block);
  }

  /**
   * The index, with rows in name order (sorted here when the file was not). A name on several lines keeps
   * its first; each later line becomes a problem line, kept as it is.
   */
  finish(): ManifestIndex {
    this.splitter.finish();
    const parsed = this.parser.finish();
    const names = this.names;
    const count = names.length;
    let order: Int32Array | null = null;
    if (!this.sorted) {
      // Equal names in file order, so the first line of a name comes first.
      order = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => compareFileNames(names[a]!, names[b]!) || a - b);
    }
    const rowAt = (k: number) => (order ? order[k]! : k);
    let duplicate: Uint8Array | null = null;
    for (let k = 1; k < count; k++) {
      if (names[rowAt(k)] !== names[rowAt(k - 1)]) continue;
      duplicate ??= new Uint8Array(count);
      duplicate[rowAt(k)] = 1;
    }
    let problems = parsed.problems;
    if (duplicate) {
      // The parser anchored its problems after the record line before them, duplicates included: re-anchor.
      const reanchored = problems.map((p) => ({ ...p, after: this.recordBefore(p.line, duplicate!) }));
      problems = [...reanchored, ...this.duplicateProblems(duplicate)].sort((a, b) => a.line - b.line);
      const kept: number[] = [];
      for (let k = 0; k < count; k++) if (!duplicate[rowAt(k)]) kept.push(rowAt(k));
      order = Int32Array.from(kept);
    }
    const base = { problems, eol: parsed.eol, hadBom: this.splitter.hadBom, bytes: this.splitter.bytes };
    if (!order) return { ...base, names, offsets: this.offsets.slice(0, count), lengths: this.lengths.slice(0, count), columns: this.columns };
    const rows = order;
    return {
      ...base,
      names: Array.from(rows, (r) => names[r]!),
      offsets: Float64Array.from(rows, (r) => this.offsets[r]!),
      lengths: Uint32Array.from(rows, (r) => this.lengths[r]!),
      columns: this.columns.permuted(rows),
    };
  }

  /** The name of the last record line (not a duplicate) before `line`, or null. */
  private recordBefore(line: number, duplicate: Uint8Array): string | null {
    let lo = 0;
    let hi = this.names.length - 1;
    let row = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lines[mid]! < line) {
        row = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (row >= 0 && duplicate[row]) row--;
    return row >= 0 ? this.names[row]! : null;
  }

  /** Problem lines for the later lines of a name, each anchored after the last record line before it. */
  private duplicateProblems(duplicate: Uint8Array): ManifestProblem[] {
    const out: ManifestProblem[] = [];
    let previous: string | null = null;
    for (let row = 0; row < this.names.length; row++) {
      const name = this.names[row]!;
      if (!duplicate[row]) {
        previous = name;
        continue;
      }
      out.push({ line: this.lines[row]!, message: ManifestLineParser.duplicateMessage(name), span: { offset: this.offsets[row]!, length: this.lengths[row]! }, after: previous });
    }
    return out;
  }
}

export function emptyIndex(): ManifestIndex {
  return { names: [], offsets: new Float64Array(0), lengths: new Uint32Array(0), columns: new RecordColumns(), problems: [], eol: '\n', hadBom: false, bytes: 0 };
}

// One part of `recaption stats`: a byte range of the manifest read line by line, each good record reduced to
// a row of small columns (its facts, its name's hash, where its line is, its defect measures) and nothing
// else kept. Ranges are read by threads side by side; stats-fold.ts joins their parts.
import { promises as fs } from 'node:fs';
import type { ManifestRecord } from '../../shared/record.js';
import { DefectCounter, type DefectColumns } from '../dataset/defect-counter.js';
import { LineSplitter } from '../dataset/line-splitter.js';
import type { ByteRange } from '../dataset/line-ranges.js';
import { ManifestLineParser, type LineSpan } from '../dataset/manifest-codec.js';
import { INDEX_BLOCK_BYTES } from '../dataset/manifest-index.js';
import { factsOf } from '../dataset/record-facts.js';
import { textHash } from '../text/text-hash.js';

/** A line that is not a good record: its line number (1-based), what is wrong, where it is. */
export interface StatsProblem {
  line: number;
  message: string;
  span?: LineSpan;
  /** The image the line was about, when its file_name can still be read. */
  fileName?: string;
}

/** What a range's pass keeps: a row per good record (duplicates of earlier names included: the fold finds them). */
export interface StatsPart {
  /** Lines in the range, blank and bad ones included. */
  lines: number;
  rows: number;
  /** factsOf each record. */
  facts: Uint16Array;
  /** textHash of each file_name: equal names, equal hashes. */
  nameHash: Float64Array;
  /** Where each row's line is in the file (bytes), to read its name back. */
  offset: Float64Array;
  length: Uint32Array;
  /** Each row's line number within the range (1-based). */
  line: Uint32Array;
  /** The rows' defect measures; null when the flags are not counted. */
  defects: DefectColumns | null;
  /** Bad lines, numbered within the range. */
  problems: StatsProblem[];
}

function resized<T extends Uint16Array | Uint32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a.subarray(0, Math.min(a.length, size)));
  return b;
}

class PartBuilder {
  private rows = 0;
  private facts = new Uint16Array(4096);
  private nameHash = new Float64Array(4096);
  private offset = new Float64Array(4096);
  private length = new Uint32Array(4096);
  private line = new Uint32Array(4096);
  private readonly defects: DefectCounter | null;

  constructor(flags: boolean) {
    this.defects = flags ? new DefectCounter() : null;
  }

  get size(): number {
    return this.rows;
  }

  /** Room for `rows` rows in all, made once (a guess from the first block) instead of doubling as they come. */
  reserve(rows: number): void {
    if (rows <= this.facts.length) return;
    this.facts = resized(this.facts, rows);
    this.nameHash = resized(this.nameHash, rows);
    this.offset = resized(this.offset, rows);
    this.length = resized(this.length, rows);
    this.line = resized(this.line, rows);
    this.defects?.reserve(rows);
  }

  add(record: ManifestRecord, line: number, span: LineSpan): void {
    if (this.rows === this.facts.length) this.reserve(this.rows * 2);
    const row = this.rows++;
    this.facts[row] = factsOf(record);
    this.nameHash[row] = textHash(record.file_name);
    this.offset[row] = span.offset;
    this.length[row] = span.length;
    this.line[row] = line;
    // As `stats` always counted them: the defect flags are those of the images that are there.
    if (this.defects) {
      if (record.missing) this.defects.addNothing();
      else this.defects.add(record);
    }
  }

  /** The part: views on the builder's columns (their spare room goes along; reserve keeps it small). */
  finish(lines: number, problems: StatsProblem[]): StatsPart {
    const rows = this.rows;
    return {
      lines,
      rows,
      facts: this.facts.subarray(0, rows),
      nameHash: this.nameHash.subarray(0, rows),
      offset: this.offset.subarray(0, rows),
      length: this.length.subarray(0, rows),
      line: this.line.subarray(0, rows),
      defects: this.defects?.columns() ?? null,
      problems,
    };
  }
}

/** Reads `range` of `file` (it starts at a line start) into a part; `flags`: measure the defect flags too. */
export async function statsPass(file: string, range: ByteRange, flags: boolean): Promise<StatsPart> {
  const part = new PartBuilder(flags);
  const parser = new ManifestLineParser((record, line) => part.add(record, line, splitter.span), false, range.start === 0);
  const splitter = new LineSplitter(parser, range.start);
  const handle = await fs.open(file, 'r');
  // Two blocks: the next is read while this one is parsed, so the thread does not wait on the disk.
  const blocks = [Buffer.allocUnsafe(INDEX_BLOCK_BYTES), Buffer.allocUnsafe(INDEX_BLOCK_BYTES)];
  const readAt = (at: number, block: Buffer) => handle.read(block, 0, Math.min(block.length, range.end - at), at);
  let at = range.start;
  let pending = at < range.end ? readAt(at, blocks[0]!) : null;
  try {
    for (let k = 0; pending; k ^= 1) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      const first = at === range.start;
      at += bytesRead;
      pending = at < range.end ? readAt(at, blocks[k ^ 1]!) : null;
      splitter.add(buffer.subarray(0, bytesRead));
      // After the first block, room for as many rows as its lines say the range has.
      if (first && pending) part.reserve(Math.ceil((part.size * (range.end - range.start) * 1.05) / bytesRead) + 1024);
    }
    splitter.finish();
  } finally {
    // A read still in flight (a line that failed to parse threw) ends before its file closes.
    await pending?.catch(() => undefined);
    await handle.close();
  }
  const problems = parser.finish().problems.map(({ line, message, span, fileName }): StatsProblem => ({ line, message, span, fileName }));
  return part.finish(splitter.lines, problems);
}

/** The buffers of a part's columns: moved, not copied, when it is sent to another thread. */
export function partBuffers(part: StatsPart): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [part.facts, part.nameHash, part.offset, part.length, part.line];
  if (part.defects) arrays.push(part.defects.own, ...part.defects.words, ...part.defects.scores);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

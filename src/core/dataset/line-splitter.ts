// Cuts a manifest's bytes, block by block, into lines, however lines fall across blocks, and feeds them to
// a ManifestLineParser with where each line is. At most MAX_LINE_BYTES + 1 bytes of a line are ever held:
// enough to tell it is too long, so a line of any size costs bounded memory. The index and the streaming
// read (`recaption stats`) share it.
import { isAscii } from 'node:buffer';
import { MAX_LINE_BYTES, type LineSpan, type ManifestLineParser } from './manifest-codec.js';

export class LineSplitter {
  /** Bytes of the current line that came in earlier blocks (only the first MAX_LINE_BYTES + 1 are kept). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryLastByte = 0;
  private lineStart = 0;
  private position = 0;
  private lineNumber = 0;
  private readonly atFileStart: boolean;
  /** The file started with a byte-order mark (taken off the first line). */
  hadBom = false;
  /** Where the line the parser was last given is: read by a parser's record callback. */
  span: LineSpan = { offset: 0, length: 0 };

  /**
   * `from`: where in the file the bytes start (0, or a line start: a pass over part of the file); only the
   * file's first line can carry a byte-order mark.
   */
  constructor(
    private readonly parser: ManifestLineParser,
    from = 0,
  ) {
    this.position = from;
    this.lineStart = from;
    this.atFileStart = from === 0;
  }

  /** Lines given to the parser so far. */
  get lines(): number {
    return this.lineNumber;
  }

  /** Where in the file the bytes taken so far end (bytes taken so far, for a pass from the start). */
  get bytes(): number {
    return this.position;
  }

  /** The next block of the file. `block` may be reused by the caller afterwards. */
  add(block: Buffer): void {
    // In an ASCII block (nearly every one) a line whole in it is copied out as text without a Buffer made
    // for it first, or a UTF-8 decoder: its bytes are its characters.
    const ascii = isAscii(block);
    let start = 0;
    for (let end = block.indexOf(10, start); end !== -1; end = block.indexOf(10, start)) {
      if (ascii && this.carryBytes === 0 && end - start <= MAX_LINE_BYTES) this.endAsciiLine(block, start, end);
      else this.endLine(block.subarray(start, end));
      start = end + 1;
      this.lineStart = this.position + start;
    }
    if (start < block.length) this.keep(block.subarray(start));
    this.position += block.length;
  }

  /** The last line, when the file does not end with a line break. */
  finish(): void {
    if (this.carryBytes > 0) this.endLine(Buffer.alloc(0));
  }

  private keep(part: Buffer): void {
    // A line past the limit is kept as a span, never as bytes: only its head (to name its image) is held.
    const room = MAX_LINE_BYTES + 1 - this.carryBytes;
    if (room > 0) this.carry.push(Buffer.from(part.subarray(0, Math.min(room, part.length))));
    this.carryBytes += part.length;
    this.carryLastByte = part[part.length - 1]!;
  }

  /** The line in bytes [start, end) of an ASCII block, none of it carried (what endLine does for it). */
  private endAsciiLine(block: Buffer, start: number, end: number): void {
    this.lineNumber++;
    let length = end - start;
    if (length > 0 && block[end - 1] === 13) {
      this.parser.noteCrlf();
      length--;
    }
    // No byte-order mark: its bytes are not ASCII.
    this.span = { offset: this.lineStart, length };
    this.parser.add(block.toString('latin1', start, start + length), this.span);
  }

  private endLine(last: Buffer): void {
    this.lineNumber++;
    let length = this.carryBytes + last.length;
    const lastByte = last.length > 0 ? last[last.length - 1] : length > 0 ? this.carryLastByte : undefined;
    let bytes = this.carry.length ? Buffer.concat([...this.carry, last.subarray(0, Math.max(0, MAX_LINE_BYTES + 1 - this.carryBytes))]) : last;
    this.carry = [];
    this.carryBytes = 0;
    let offset = this.lineStart;
    if (lastByte === 13) {
      this.parser.noteCrlf();
      length--;
      if (bytes.length > length) bytes = bytes.subarray(0, length);
    }
    if (this.atFileStart && this.lineNumber === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.hadBom = true;
      bytes = bytes.subarray(3);
      offset += 3;
      length -= 3;
    }
    this.span = { offset, length };
    if (length > MAX_LINE_BYTES) this.parser.addOversized(bytes.subarray(0, 4096), this.span);
    else this.parser.add(bytes.toString('utf8'), this.span);
  }
}

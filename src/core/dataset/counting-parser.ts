// A manifest line parser that also counts the lines it is given and those that ended in "\r\n": what a
// streamed pass needs to tell whether a file's bytes are what a save would write.
import { ManifestLineParser, type LineSpan } from './manifest-codec.js';

export class CountingParser extends ManifestLineParser {
  lines = 0;
  crlf = 0;

  override add(line: string, span?: LineSpan): void {
    this.lines++;
    super.add(line, span);
  }

  override addOversized(head: Uint8Array, span: LineSpan): void {
    this.lines++;
    super.addOversized(head, span);
  }

  override noteCrlf(): void {
    this.crlf++;
    super.noteCrlf();
  }
}

// The order a streamed manifest's records must come in: by file name, each name once. A later line of the
// name just seen is a problem line (the first wins, as when the file is indexed); a name before the one
// just seen means the file is not sorted, and cannot be streamed as the manifest (ManifestOrderError).
import { compareFileNames, ManifestLineParser, type LineSpan, type ManifestProblem } from './manifest-codec.js';

export class RecordOrder {
  /** The first name that came after a greater one, as a message; null while the file is in order. */
  outOfOrder: string | null = null;
  /** Later lines of a name, as problems. */
  readonly laterLines: ManifestProblem[] = [];

  /** `previous`: the last name before these records (a pass that starts in the middle of a file). */
  constructor(public previous: string | null = null) {}

  /** Whether the record at `line` goes on; false for a later line of the name before it (noted as a problem). */
  admit(name: string, line: number, span: LineSpan): boolean {
    const previous = this.previous;
    if (previous !== null) {
      const order = compareFileNames(previous, name);
      if (order > 0) this.outOfOrder ??= `"${name}" comes after "${previous}"`;
      if (order === 0) {
        this.laterLines.push({ line, message: ManifestLineParser.duplicateMessage(name), span: { ...span }, after: previous });
        return false;
      }
    }
    this.previous = name;
    return true;
  }
}

// A text's UTF-16 code units in a reusable typed array, copied out in native code: reading them from the
// array is cheaper per character than charCodeAt, and the token scan of a million-record pass reads
// every character of every caption.

/** Buffer writes UTF-16 little-endian; a Uint16Array reads in the machine's order (little-endian on x64 and arm64). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export class CodeUnits {
  /** The last text's units (and beyond them, stale ones): valid up to its length, until the next read. */
  units: Uint16Array;
  /** A Buffer over the same bytes. */
  private writer: Buffer;

  constructor(initial = 256) {
    this.units = new Uint16Array(initial);
    this.writer = Buffer.from(this.units.buffer);
  }

  /** Copies `text`'s units into `units` (grown, doubling, when it is too short) and returns it. */
  read(text: string): Uint16Array {
    const n = text.length;
    if (this.units.length < n) {
      let size = this.units.length;
      while (size < n) size *= 2;
      this.units = new Uint16Array(size);
      this.writer = Buffer.from(this.units.buffer);
    }
    const units = this.units;
    if (LITTLE_ENDIAN) this.writer.write(text, 0, 'utf16le');
    else for (let k = 0; k < n; k++) units[k] = text.charCodeAt(k);
    return units;
  }
}

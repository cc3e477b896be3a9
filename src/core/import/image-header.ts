// The size of a plain JPEG or PNG read from its header bytes, without sharp. An import reads the header
// of every image it writes; sharp's header read costs about as much as writing a small image's file, so
// the common case is read here, and everything else by sharp (image-format.ts).
//
// "Plain" is narrow on purpose: what is accepted here is what sharp reads with the same format and size
// and with nothing else the scan uses (no orientation, no EXIF, XMP or IPTC, one page), so that the
// record is the scan's. A JPEG: SOI, then only well-formed JFIF APP0, DQT, DHT, DRI, COM and one SOF0,
// SOF1 or SOF2 (8-bit, 1 or 3 components), checked as libjpeg checks them, up to SOS, and EOI at its
// end. A PNG: the signature, IHDR, and only PLTE, tRNS, gAMA, cHRM, sRGB and pHYs (each once, in their
// order, of their exact lengths and values, CRCs checked) before IDAT, and IEND at its end. Anything else, or anything odd, is null: sharp
// decides. The unit test holds this to sharp on every variant and on thousands of damaged headers.

export interface PlainHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

/** libjpeg's JPEG_MAX_DIMENSION. */
const JPEG_MAX_DIMENSION = 65500;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

function endsWith(b: Uint8Array, tail: readonly number[]): boolean {
  return b.length >= tail.length && tail.every((v, i) => b[b.length - tail.length + i] === v);
}

// ---- JPEG ----

/** DQT: tables of 64 entries, 8-bit (Pq 0) or 16-bit (Pq 1), ids 0-3, filling the segment exactly. */
function validDqt(b: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; ) {
    const pq = b[at]! >> 4;
    if (pq > 1 || (b[at]! & 15) > 3) return false;
    at += 1 + 64 * (pq + 1);
    if (at > end) return false;
  }
  return true;
}

/** DHT: class 0/1, id 0-3, at most 256 codes, filling the segment exactly. */
function validDht(b: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; ) {
    if (at + 17 > end || b[at]! >> 4 > 1 || (b[at]! & 15) > 3) return false;
    let codes = 0;
    for (let i = 1; i <= 16; i++) codes += b[at + i]!;
    if (codes > 256) return false;
    at += 17 + codes;
    if (at > end) return false;
  }
  return true;
}

interface Frame {
  width: number;
  height: number;
  ids: number[];
}

/** SOF0-2: 8-bit, 1 or 3 components with sampling factors 1-4 and quantisation tables 0-3. */
function readSof(b: Uint8Array, start: number, length: number): Frame | null {
  const components = b[start + 5]!;
  if (b[start]! !== 8 || (components !== 1 && components !== 3) || length !== 8 + 3 * components) return null;
  const height = u16(b, start + 1);
  const width = u16(b, start + 3);
  if (width === 0 || height === 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) return null;
  const ids: number[] = [];
  for (let c = 0; c < components; c++) {
    const at = start + 6 + 3 * c;
    const h = b[at + 1]! >> 4;
    const v = b[at + 1]! & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || b[at + 2]! > 3 || ids.includes(b[at]!)) return null;
    ids.push(b[at]!);
  }
  return { width, height, ids };
}

/** SOS: 1 to the frame's components, each a component of the frame and named once, tables 0-3; a sequential scan's spectral parameters fixed. */
function validSos(b: Uint8Array, start: number, length: number, frame: Frame, progressive: boolean): boolean {
  const n = b[start]!;
  if (n < 1 || n > frame.ids.length || length !== 6 + 2 * n) return false;
  const scanned = new Set<number>();
  for (let c = 0; c < n; c++) {
    const at = start + 1 + 2 * c;
    if (!frame.ids.includes(b[at]!) || scanned.has(b[at]!) || b[at + 1]! >> 4 > 3 || (b[at + 1]! & 15) > 3) return false;
    scanned.add(b[at]!);
  }
  const ss = b[start + 1 + 2 * n]!;
  const se = b[start + 2 + 2 * n]!;
  const a = b[start + 3 + 2 * n]!;
  // libjpeg warns of other values in a sequential scan (and sharp fails on warnings); a progressive
  // scan's are only checked when it is decoded.
  return progressive || (ss === 0 && se === 63 && a === 0);
}

function readJpeg(b: Uint8Array): PlainHeader | null {
  if (!endsWith(b, [0xff, 0xd9])) return null;
  let frame: Frame | null = null;
  let progressive = false;
  for (let at = 2; ; ) {
    if (at + 4 > b.length || b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    const length = u16(b, at + 2);
    const start = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > b.length) return null;
    if (marker === 0xda) return frame && validSos(b, start, length, frame, progressive) ? { format: 'jpeg', width: frame.width, height: frame.height } : null;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (frame) return null;
      frame = readSof(b, start, length);
      if (!frame) return null;
      progressive = marker === 0xc2;
    } else if (marker === 0xdb) {
      if (!validDqt(b, start, end)) return null;
    } else if (marker === 0xc4) {
      if (!validDht(b, start, end)) return null;
    } else if (marker === 0xdd) {
      if (length !== 4) return null;
    } else if (marker === 0xe0) {
      // JFIF 1.x only: libjpeg warns of another major version. JFXX and other APP0 are left to sharp.
      const jfif = length >= 16 && b[start] === 0x4a && b[start + 1] === 0x46 && b[start + 2] === 0x49 && b[start + 3] === 0x46 && b[start + 4] === 0;
      if (!jfif || b[start + 5] !== 1) return null;
    } else if (marker !== 0xfe) {
      return null;
    }
    at = end;
  }
}

// ---- PNG ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(b: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bit depths allowed for each colour type. */
const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** The ancillary chunks allowed before IDAT (each once), with their lengths and the values libspng accepts. */
const PNG_ANCILLARY: Readonly<Record<string, { length: number; valid: (b: Uint8Array, at: number) => boolean; beforePalette: boolean }>> = {
  gAMA: { length: 4, valid: (b, at) => u32(b, at) > 0 && u32(b, at) <= 0x7fffffff, beforePalette: true },
  cHRM: { length: 32, valid: (b, at) => [0, 1, 2, 3, 4, 5, 6, 7].every((i) => u32(b, at + 4 * i) <= 0x7fffffff), beforePalette: true },
  sRGB: { length: 1, valid: (b, at) => b[at]! <= 3, beforePalette: true },
  pHYs: { length: 9, valid: (b, at) => b[at + 8]! <= 1 && u32(b, at) <= 0x7fffffff && u32(b, at + 4) <= 0x7fffffff, beforePalette: false },
};

function readPng(b: Uint8Array): PlainHeader | null {
  if (!PNG_SIGNATURE.every((v, i) => b[i] === v) || !endsWith(b, PNG_IEND)) return null;
  let header: { width: number; height: number; colorType: number; depth: number } | null = null;
  let palette = 0;
  const seen = new Set<string>();
  for (let at = 8; ; ) {
    if (at + 12 > b.length) return null;
    const length = u32(b, at);
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    const start = at + 8;
    const end = start + length;
    if (length > 0x7fffffff || end + 4 > b.length || crc32(b, at + 4, end) !== u32(b, end)) return null;
    if (header === null) {
      if (type !== 'IHDR' || length !== 13) return null;
      const width = u32(b, start);
      const height = u32(b, start + 4);
      const depth = b[start + 8]!;
      const colorType = b[start + 9]!;
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return null;
      if (!PNG_DEPTHS[colorType]?.includes(depth) || b[start + 10] !== 0 || b[start + 11] !== 0 || b[start + 12]! > 1) return null;
      header = { width, height, colorType, depth };
      at = end + 4;
      continue;
    }
    if (seen.has(type)) return null;
    seen.add(type);
    if (type === 'IDAT') {
      if (header.colorType === 3 && palette === 0) return null;
      return { format: 'png', width: header.width, height: header.height };
    } else if (type === 'PLTE') {
      if (seen.has('tRNS') || length === 0 || length % 3 !== 0 || length / 3 > 256) return null;
      if (header.colorType === 0 || header.colorType === 4 || (header.colorType === 3 && length / 3 > 1 << header.depth)) return null;
      palette = length / 3;
    } else if (type === 'tRNS') {
      const ok = header.colorType === 0 ? length === 2 : header.colorType === 2 ? length === 6 : header.colorType === 3 ? palette > 0 && length <= palette : false;
      if (!ok) return null;
    } else {
      const chunk = PNG_ANCILLARY[type];
      if (!chunk || chunk.length !== length || !chunk.valid(b, start) || (chunk.beforePalette && palette > 0)) return null;
    }
    at = end + 4;
  }
}

/** The format and size of a plain JPEG or PNG; null for anything else (sharp reads it). */
export function readPlainHeader(bytes: Uint8Array): PlainHeader | null {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes);
  if (bytes.length >= 8 && bytes[0] === 0x89) return readPng(bytes);
  return null;
}

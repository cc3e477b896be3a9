// Reads one image file once and derives what the manifest needs: content hash, displayed size, and any
// description embedded in EXIF / XMP / IPTC. Problems become a readable `error`, never an exception.
// The file is opened through a checked handle (a FIFO or device never blocks the scan, an oversized file
// is refused by its size); a large file is hashed in chunks and decoded from disk, never held whole.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { perceptualHash } from './perceptual-hash.js';
import { readEmbeddedDescription, type EmbeddedDescription } from './embedded-description.js';
import { FileTypeError, openRegularFile } from '../util/regular-file.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS } from '../limits.js';

export interface ImageProbe extends ImageFacts {
  bytes: number;
  mtimeMs: number;
}

/** What the probe uses of sharp's header read (a caller that read the header another way gives these). */
export type HeaderFacts = Pick<sharp.Metadata, 'format' | 'width' | 'height' | 'pageHeight' | 'orientation' | 'exif' | 'xmp' | 'iptc'>;

/** What an image's bytes say, whatever file holds them. */
export interface ImageFacts {
  sha256: string | null;
  /** Perceptual hash (perceptual-hash.ts); null when not asked for or the image does not decode. */
  phash: string | null;
  width: number | null;
  height: number | null;
  embedded: EmbeddedDescription | null;
  error: string | null;
}

export interface ProbeOptions {
  maxPixels?: number;
  /** Files larger than this are refused (default 1 GiB). */
  maxBytes?: number;
  /** Compute the perceptual hash (default true): a decode of every image, the scan's largest cost. */
  phash?: boolean;
}

/** Files up to this size are read whole (one read, the decode from memory); larger ones are streamed. */
const IN_MEMORY_BYTES = 64 << 20;
const CHUNK = 4 << 20;
/** The head read for EXIF / IPTC in a streamed file: where cameras and editors put them. */
const HEAD_BYTES = 1 << 20;

interface FileBytes {
  sha256: string;
  /** The whole file when small, else its first HEAD_BYTES. */
  head: Buffer;
  /** The last 16 bytes (for the trailer check). */
  tail: Buffer;
  whole: boolean;
}

async function readForProbe(handle: import('node:fs').promises.FileHandle, size: number): Promise<FileBytes> {
  const hash = createHash('sha256');
  if (size <= IN_MEMORY_BYTES) {
    const data = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(data, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    const got = data.subarray(0, offset);
    return { sha256: hash.update(got).digest('hex'), head: got, tail: got.subarray(Math.max(0, got.length - 16)), whole: true };
  }
  const chunk = Buffer.allocUnsafe(CHUNK);
  let head: Buffer | null = null;
  let last = Buffer.alloc(0);
  for (let offset = 0; ; ) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK, offset);
    if (bytesRead === 0) break;
    const piece = chunk.subarray(0, bytesRead);
    hash.update(piece);
    head ??= Buffer.from(piece.subarray(0, HEAD_BYTES));
    last = Buffer.from(Buffer.concat([last, piece.subarray(Math.max(0, bytesRead - 16))]).subarray(-16));
    offset += bytesRead;
  }
  return { sha256: hash.digest('hex'), head: head ?? Buffer.alloc(0), tail: last, whole: false };
}

function formatPixels(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MP` : `${n} pixels`;
}

function sharpMessage(err: unknown): string {
  return ((err as Error).message ?? String(err)).replace(/\s+/g, ' ').trim();
}

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * True when the file ends the way a complete file of its format ends (JPEG EOI, PNG IEND, GIF trailer,
 * WebP RIFF size). False means "decode to be sure", not "broken": JPEGs may carry data after their EOI.
 */
export function hasIntactTrailer(data: Buffer, format: string | undefined): boolean {
  const n = data.length;
  switch (format) {
    case 'jpeg':
      return n > 4 && data[n - 2] === 0xff && data[n - 1] === 0xd9;
    case 'png':
      return n > 12 && data.subarray(n - 8).equals(PNG_IEND);
    case 'gif':
      return n > 1 && data[n - 1] === 0x3b;
    case 'webp':
      return n > 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.readUInt32LE(4) + 8 === n;
    default:
      return false;
  }
}

export async function probeImage(abs: string, options: ProbeOptions = {}): Promise<ImageProbe> {
  const stat = await fs.stat(abs);
  const base = { bytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs), sha256: null, phash: null, width: null, height: null, embedded: null };
  let bytes: FileBytes;
  try {
    const { handle, size } = await openRegularFile(abs, options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES);
    try {
      if (size === 0) return { ...base, error: 'empty file (0 bytes)' };
      bytes = await readForProbe(handle, size);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof FileTypeError) return { ...base, error: `not read: ${err.message}${err.reason === 'size' ? ' (setting recaption.maxImageBytes, --max-bytes)' : ''}` };
    const e = err as NodeJS.ErrnoException;
    return { ...base, error: `cannot read file: ${e.code === 'EACCES' ? 'permission denied' : e.message}` };
  }
  // Decoded from memory when the file was read whole, from disk when it was streamed.
  return { ...base, ...(await describeImage(bytes, bytes.whole ? bytes.head : abs, options)) };
}

/**
 * What probeImage would say of a file holding `data` (an import's image, about to be written), but for
 * its size and mtime, without reading the file: `sha256` when already known, `meta` when sharp already
 * read the header. Null where probeImage would not read the file whole (over 64 MiB, or refused by its
 * size, or empty): probe the file itself then.
 */
export async function probeImageBytes(data: Buffer, known: { sha256?: string; meta?: HeaderFacts } = {}, options: ProbeOptions = {}): Promise<ImageFacts | null> {
  if (data.length === 0 || data.length > IN_MEMORY_BYTES || data.length > (options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES)) return null;
  const sha256 = known.sha256 ?? createHash('sha256').update(data).digest('hex');
  return describeImage({ sha256, head: data, tail: data.subarray(Math.max(0, data.length - 16)), whole: true }, data, options, known.meta);
}

/** Everything after the read: the header, the pixel limit, the decode check or perceptual hash, the embedded description. */
async function describeImage(bytes: FileBytes, input: Buffer | string, options: ProbeOptions, known?: HeaderFacts): Promise<ImageFacts> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { sha256 } = bytes;
  const base = { sha256, phash: null, width: null, height: null, embedded: null };
  let meta: HeaderFacts;
  try {
    meta = known ?? (await sharp(input, { limitInputPixels: false }).metadata());
  } catch (err) {
    return { ...base, error: `not a readable image: ${sharpMessage(err)}` };
  }
  // Multi-page images (GIF, TIFF) report all pages stacked; the first page is what we caption.
  const rawHeight = meta.pageHeight ?? meta.height;
  const pixels = meta.width * rawHeight;
  if (pixels > maxPixels) {
    return {
      ...base,
      width: meta.width,
      height: rawHeight,
      error: `image is ${meta.width}×${rawHeight} (${formatPixels(pixels)}), over the limit of ${formatPixels(maxPixels)} (setting recaption.maxPixels)`,
    };
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = rotated ? rawHeight : meta.width;
  const height = rotated ? meta.width : rawHeight;
  // Truncated downloads are the common corruption, better found now than in the middle of a captioning run.
  // The perceptual hash decodes every image (at 32×32; shrink-on-load keeps that cheap), which proves it
  // decodes. Without it, a file whose format trailer is intact skips the decode; any other gets a tiny one.
  let phash: string | null = null;
  try {
    if (options.phash ?? true) phash = await perceptualHash(input, maxPixels);
    else if (!hasIntactTrailerOf(bytes, meta.format)) await sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated' }).resize(16, 16, { fit: 'inside' }).raw().toBuffer();
  } catch (err) {
    return { ...base, width, height, error: `cannot decode image (truncated or corrupt): ${sharpMessage(err)}` };
  }
  const embedded = meta.exif || meta.xmp || meta.iptc ? readEmbeddedDescription(bytes.head, meta.xmp) : null;
  return { ...base, phash, width, height, embedded, error: null };
}

/** The trailer check on what was read: the whole file, or (streamed) its size and last bytes. */
function hasIntactTrailerOf(bytes: FileBytes, format: string | undefined): boolean {
  if (bytes.whole) return hasIntactTrailer(bytes.head, format);
  // WebP's trailer check needs the RIFF size from the head; the others only need the last bytes.
  if (format === 'webp') return false;
  return hasIntactTrailer(Buffer.concat([Buffer.alloc(16), bytes.tail]), format);
}

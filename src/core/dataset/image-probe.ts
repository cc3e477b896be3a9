// Reads one image file once and derives what the manifest needs: content hash, displayed size, and any
// description embedded in EXIF / XMP / IPTC. Problems become a readable `error`, never an exception.
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { readEmbeddedDescription, type EmbeddedDescription } from './embedded-description.js';

/** sharp's own default: 16383 × 16383. Bigger images are refused as likely decompression bombs. */
export const DEFAULT_MAX_PIXELS = 268_402_689;

export interface ImageProbe {
  bytes: number;
  mtimeMs: number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  embedded: EmbeddedDescription | null;
  error: string | null;
}

export interface ProbeOptions {
  maxPixels?: number;
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
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const stat = await fs.stat(abs);
  const base = { bytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs), sha256: null, width: null, height: null, embedded: null };
  if (stat.size === 0) return { ...base, error: 'empty file (0 bytes)' };
  let data: Buffer;
  try {
    data = await fs.readFile(abs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ...base, error: `cannot read file: ${e.code === 'EACCES' ? 'permission denied' : e.message}` };
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  let meta: sharp.Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (err) {
    return { ...base, sha256, error: `not a readable image: ${sharpMessage(err)}` };
  }
  // Multi-page images (GIF, TIFF) report all pages stacked; the first page is what we caption.
  const rawHeight = meta.pageHeight ?? meta.height;
  const pixels = meta.width * rawHeight;
  if (pixels > maxPixels) {
    return {
      ...base,
      sha256,
      width: meta.width,
      height: rawHeight,
      error: `image is ${meta.width}×${rawHeight} (${formatPixels(pixels)}), over the limit of ${formatPixels(maxPixels)} (setting recaption.maxPixels)`,
    };
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = rotated ? rawHeight : meta.width;
  const height = rotated ? meta.width : rawHeight;
  // Truncated downloads are the common corruption. A file whose format trailer is intact skips the
  // decode; anything else gets a tiny decode now rather than failing in the middle of a captioning run.
  if (!hasIntactTrailer(data, meta.format)) {
    try {
      await sharp(data, { limitInputPixels: maxPixels, failOn: 'truncated' })
        .resize(16, 16, { fit: 'inside' })
        .raw()
        .toBuffer();
    } catch (err) {
      return { ...base, sha256, width, height, error: `cannot decode image (truncated or corrupt): ${sharpMessage(err)}` };
    }
  }
  const embedded = meta.exif || meta.xmp || meta.iptc ? readEmbeddedDescription(data, meta.xmp) : null;
  return { ...base, sha256, width, height, embedded, error: null };
}

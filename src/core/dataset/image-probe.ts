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
  try {
    // A tiny decode catches truncated and corrupt files now rather than in the middle of a captioning
    // run; JPEG and WebP shrink while decoding, so this costs a fraction of a full decode.
    await sharp(data, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .resize(16, 16, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (err) {
    return { ...base, sha256, width, height, error: `cannot decode image (truncated or corrupt): ${sharpMessage(err)}` };
  }
  const embedded = meta.exif || meta.xmp || meta.iptc ? readEmbeddedDescription(data, meta.xmp) : null;
  return { ...base, sha256, width, height, embedded, error: null };
}

// What an image's bytes really are, from their header (no decode): the extension its file gets. A plain
// JPEG or PNG is read here (image-header.ts), anything else by sharp. Bytes that are not an image the
// scan can read become a skip reason, not a file.
import sharp from 'sharp';
import type { HeaderFacts } from '../dataset/image-probe.js';
import { readPlainHeader } from './image-header.js';

export type SkipReason = 'no image' | 'not an image' | 'unsupported image format' | 'image too large' | 'image path unsafe' | 'image file unreadable' | 'key too long';

/** The extension, and the header read when there was one (the probe of the image reuses it). */
export type Sniffed = { ext: string; meta?: HeaderFacts } | { skip: SkipReason; detail?: string };

/** sharp's format name to the extension the dataset walk reads (walk.ts IMAGE_EXTENSIONS). */
const EXTENSIONS: Readonly<Record<string, string>> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif' };

/** BMP, which sharp cannot read: the magic and the file size in its header. The scan records its error, as for a BMP in a folder. */
function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true);
  return size === bytes.length;
}

export async function sniffImage(bytes: Uint8Array): Promise<Sniffed> {
  if (bytes.length === 0) return { skip: 'no image' };
  const plain = readPlainHeader(bytes);
  if (plain) return { ext: EXTENSIONS[plain.format]!, meta: plain };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return isBmp(bytes) ? { ext: 'bmp' } : { skip: 'not an image' };
  }
  const ext = EXTENSIONS[meta.format];
  if (ext !== undefined) return { ext, meta };
  if (meta.format === 'heif' && meta.compression === 'av1') return { ext: 'avif', meta };
  return { skip: 'unsupported image format', detail: meta.format };
}

// A Parquet row's image and caption values, as hyparquet decodes them, turned into what the import
// writes. The values are untrusted: every shape is checked. An image given as a path (a string column,
// or an Image struct with no bytes) is read from the Parquet file's folder, never from outside it, and
// never through a symbolic link.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeText } from '../dataset/ground-truth.js';
import { isInside } from '../util/text-patterns.js';
import type { ColumnChoice } from './parquet-columns.js';
import type { ImageInput } from './unit-writer.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function captionOf(value: unknown): string | null {
  let text: string | null = null;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) text = decodeText(value, 'caption').text;
  if (text === null) return null;
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  return trimmed === '' ? null : trimmed;
}

/** Reads `rel` (relative to `folder`) when it names a regular file inside it of at most `maxBytes`. */
async function readPathImage(folder: string, rel: string, maxBytes: number): Promise<ImageInput> {
  if (rel === '' || rel.includes('\0') || rel.includes('\\') || path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) {
    return { skip: 'image path unsafe', detail: 'not a relative path' };
  }
  const abs = path.resolve(folder, rel);
  if (!isInside(abs, folder)) return { skip: 'image path unsafe', detail: 'outside the Parquet file\'s folder' };
  // A link anywhere on the way (a linked folder) could lead out: the real path must stay inside too.
  const [real, realFolder] = await Promise.all([fs.realpath(abs).catch(() => null), fs.realpath(folder)]);
  if (real === null) return { skip: 'image file unreadable', detail: 'not found' };
  if (!isInside(real, realFolder)) return { skip: 'image path unsafe', detail: 'leads outside the Parquet file\'s folder' };
  let handle: fs.FileHandle;
  try {
    // O_NOFOLLOW: the last component is never followed, even if it became a link after the check above.
    handle = await fs.open(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? { skip: 'image path unsafe', detail: 'a symbolic link' } : { skip: 'image file unreadable', detail: code ?? 'cannot open' };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { skip: 'image path unsafe', detail: 'not a regular file' };
    if (stat.size > maxBytes) return { skip: 'image too large', detail: `${stat.size} bytes` };
    const bytes = new Uint8Array(stat.size);
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, offset);
      if (bytesRead === 0) return { skip: 'image file unreadable', detail: 'shorter than its size' };
      offset += bytesRead;
    }
    return { bytes };
  } finally {
    await handle.close();
  }
}

function fromBytes(bytes: Uint8Array, maxBytes: number): ImageInput {
  if (bytes.length === 0) return { skip: 'no image' };
  return bytes.length > maxBytes ? { skip: 'image too large', detail: `${bytes.length} bytes` } : { bytes };
}

/** The image a row's value holds, for the image column's kind; `folder` is the Parquet file's. */
export async function imageOf(value: unknown, kind: ColumnChoice['image']['kind'], folder: string, maxBytes: number): Promise<ImageInput> {
  switch (kind) {
    case 'binary':
      return value instanceof Uint8Array ? fromBytes(value, maxBytes) : { skip: 'no image' };
    case 'string':
      return typeof value === 'string' ? readPathImage(folder, value, maxBytes) : { skip: 'no image' };
    case 'image-struct': {
      if (!isObject(value)) return { skip: 'no image' };
      if (value.bytes instanceof Uint8Array && value.bytes.length > 0) return fromBytes(value.bytes, maxBytes);
      // The Image feature without embedded bytes refers to a file beside the Parquet file.
      return typeof value.path === 'string' && value.path !== '' ? readPathImage(folder, value.path, maxBytes) : { skip: 'no image' };
    }
  }
}

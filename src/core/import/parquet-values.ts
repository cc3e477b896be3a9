// A Parquet row's image given as a path (a string column, or an Image struct with no bytes) read from
// the Parquet file's folder, never from outside it, and never through a symbolic link. The path is
// untrusted: every shape is checked.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../util/text-patterns.js';
import type { RowImage } from './import-rows.js';
import type { ImageInput } from './unit-writer.js';

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

/** A row's image as the worker decoded it, with a path read from beside the Parquet file (`folder`). */
export function resolveImage(image: RowImage, folder: string, maxBytes: number): Promise<ImageInput> | ImageInput {
  return 'path' in image ? readPathImage(folder, image.path, maxBytes) : image;
}

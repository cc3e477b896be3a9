// Opening an image the manifest names, without trusting what is there: a FIFO or a device listed in a
// manifest would block a plain open or read forever (holding a captioning run or a thumbnail slot), and a
// multi-gigabyte file read whole would exhaust memory. Opened non-blocking, checked on the open handle.
import { constants, promises as fs } from 'node:fs';
import { DEFAULT_MAX_IMAGE_BYTES } from '../limits.js';

export class FileTypeError extends Error {
  override name = 'FileTypeError';
  constructor(
    message: string,
    /** type: not a regular file; size: over the byte limit. */
    readonly reason: 'type' | 'size',
  ) {
    super(message);
  }
}

function describeType(stat: import('node:fs').Stats): string {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/**
 * Opens `file` for reading if it is a regular file of at most `maxBytes`; throws FileTypeError otherwise.
 * The caller closes the handle.
 */
export async function openRegularFile(file: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<{ handle: fs.FileHandle; size: number }> {
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer (POSIX).
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
  const handle = await fs.open(file, flags);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileTypeError(`${describeType(stat)}, not an image file`, 'type');
    if (stat.size > maxBytes) {
      throw new FileTypeError(`the file is ${(stat.size / 2 ** 20).toFixed(0)} MB, over the limit of ${(maxBytes / 2 ** 20).toFixed(0)} MB for one image`, 'size');
    }
    return { handle, size: stat.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Throws FileTypeError unless `file` is a regular file of at most `maxBytes` (before handing its path to sharp). */
export async function assertRegularFile(file: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<number> {
  const { handle, size } = await openRegularFile(file, maxBytes);
  await handle.close();
  return size;
}

// Writes every byte or throws. FileHandle.write resolves with a short count when the disk fills up
// mid-write (only the next write throws ENOSPC), so a caller that ignores bytesWritten silently cuts
// the file. Every file Recaption writes by hand goes through here.
import type { FileHandle } from 'node:fs/promises';

function noSpace(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, write '${path}'`);
  err.code = 'ENOSPC';
  err.syscall = 'write';
  err.path = path;
  return err;
}

/** Writes `data` at the handle's position, looping over short writes. Returns the bytes written. */
export async function writeFully(handle: FileHandle, data: string | Uint8Array, pathForErrors = ''): Promise<number> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    // A write that accepts nothing and reports no error would loop forever; it only happens on a full disk.
    if (bytesWritten <= 0) throw noSpace(pathForErrors);
    offset += bytesWritten;
  }
  return bytes.length;
}

/** Checks that the file behind the handle holds exactly `expected` bytes (a last guard before a rename). */
export async function assertFileSize(handle: FileHandle, expected: number, pathForErrors = ''): Promise<void> {
  const { size } = await handle.stat();
  if (size !== expected) {
    // The only way to get here with a handle opened for writing from empty is space running out.
    throw Object.assign(noSpace(pathForErrors), { message: `wrote ${size} of ${expected} bytes to '${pathForErrors}'` });
  }
}

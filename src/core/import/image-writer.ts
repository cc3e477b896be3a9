// Writes one image under its final name without ever showing a partial file there: the bytes go to a
// temporary name in the same folder (created exclusively, so an existing link there is never followed),
// are synced, and the temp is renamed over the final name. A final name that already holds a regular
// file of the same size is an image a stopped run finished: it is kept, not rewritten.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OWNER_TAG_PATTERN, holdTemp, ownerTag, releaseTemp, removeAbandoned } from '../util/leftovers.js';
import { writeFully } from '../util/write-fully.js';
import { WriteError, describeWriteFailure } from '../dataset/atomic-write.js';

const TEMP_PATTERN = new RegExp(`^\\..+\\.${OWNER_TAG_PATTERN}\\.[0-9a-f]{8}\\.tmp$`);

/** Removes the temp files a killed import left in `dir` (only those whose owner is gone). */
export function removeAbandonedImageTemps(dir: string): Promise<string[]> {
  return removeAbandoned(dir, TEMP_PATTERN);
}

export type WriteOutcome = 'written' | 'kept';

export async function writeImageFile(dir: string, name: string, bytes: Uint8Array): Promise<WriteOutcome> {
  const target = path.join(dir, name);
  const existing = await fs.lstat(target).catch(() => null);
  if (existing?.isFile() && existing.size === bytes.length) return 'kept';
  const tmp = path.join(dir, `.${name}.${ownerTag()}.${randomBytes(4).toString('hex')}.tmp`);
  holdTemp(tmp);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await writeFully(handle, bytes, tmp);
    // Synced before the rename: after a crash a final name holds the whole image or nothing.
    await handle.datasync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
    return 'written';
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new WriteError(describeWriteFailure(target, e), e.code);
  } finally {
    releaseTemp(tmp);
  }
}

/** Persists a folder's renames (a finished unit is only marked done once its images are durable). */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

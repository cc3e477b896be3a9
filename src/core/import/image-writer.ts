// Writes one image under its final name without ever showing a partial file there, as every write does
// (writeFileAtomic: an exclusive temp in the same folder, so an existing link is never followed, synced,
// checked for size, renamed). A final name that already holds a regular
// file of the same size is an image a stopped run finished: it is kept, not rewritten.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OWNER_TAG_PATTERN, removeAbandoned } from '../util/leftovers.js';
import { writeFileAtomic } from '../dataset/atomic-write.js';

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
  // The folder's leftovers are swept and its renames synced once per unit (removeAbandonedImageTemps, syncFolder).
  await writeFileAtomic(target, bytes, { batch: true });
  return 'written';
}

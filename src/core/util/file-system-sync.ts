// Durability in bulk: one syncfs(2) commits every file just written on a file system together, where an
// fsync per file costs a journal commit (and a disk cache flush) each, several times the cost of writing a
// small file on ext4. Node has no syncfs, so on Linux it is coreutils' (or busybox's) `sync -f`; where that
// is missing or fails, and on other systems, the caller fsyncs file by file (fsyncFile).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';

/** fsyncs in flight file by file (each holds a thread of libuv's pool of four while the disk works). */
export const FSYNCS_IN_FLIGHT = 4;

/** Whether `sync -f` worked here: null until tried; once it fails, it is not tried again. */
let syncfsWorks: boolean | null = null;

function runSyncfs(anchor: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', anchor], { windowsHide: true }, (err) => resolve(err === null));
  });
}

/**
 * Commits everything written on the file system `anchor` is on; false where that cannot be done at once
 * (not Linux, no `sync -f`): then fsync each file. `force` tries even after a failure (tests).
 */
export async function syncFileSystem(anchor: string, force?: boolean): Promise<boolean> {
  if (force === false || (force === undefined && (process.platform !== 'linux' || syncfsWorks === false))) return false;
  const ok = await runSyncfs(anchor);
  if (force === undefined) syncfsWorks = ok;
  return ok;
}

export async function fsyncFile(file: string): Promise<void> {
  // r+: Windows flushes only handles open for writing.
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

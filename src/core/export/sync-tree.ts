// Makes everything an export wrote into its build folder durable at once, before the folder is moved into
// place: an export of a hundred thousand sidecars or images would otherwise pay an fsync per file, or be
// moved into place with its files still only in memory. One sync of the file system commits them all;
// where that cannot be done, every file under the folder is fsynced, then every folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { syncFolder } from '../dataset/atomic-write.js';
import { mapConcurrent } from '../util/map-concurrent.js';
import { FSYNCS_IN_FLIGHT, fsyncFile, syncFileSystem } from '../util/file-system-sync.js';

/** Returns once every file and folder under `root` (and `root` itself) is on disk. `fileSystem: false` fsyncs file by file. */
export async function syncTree(root: string, options: { fileSystem?: boolean } = {}): Promise<void> {
  if (await syncFileSystem(root, options.fileSystem)) return;
  const files: string[] = [];
  const folders: string[] = [root];
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) folders.push(full);
    else if (entry.isFile()) files.push(full);
  }
  await mapConcurrent(files, FSYNCS_IN_FLIGHT, fsyncFile);
  // Deepest first: a folder's own entry is in its parent.
  for (const folder of folders.reverse()) await syncFolder(folder);
}

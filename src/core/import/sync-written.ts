// Makes a batch of files an import just wrote durable at once: one sync of their file system
// (util/file-system-sync.ts), or where that cannot be done, an fsync of each file, then of each folder
// that got new names.
import { syncFolder } from '../dataset/atomic-write.js';
import { mapConcurrent } from '../util/map-concurrent.js';
import { FSYNCS_IN_FLIGHT, fsyncFile, syncFileSystem } from '../util/file-system-sync.js';

export interface WrittenBatch {
  /** A folder on the same file system as everything below (the import's output folder). */
  root: string;
  files: readonly string[];
  /** Folders whose entries changed (new names, renames). */
  folders: readonly string[];
}

/** Returns once every file and folder entry of `batch` is on disk. `fileSystem: false` always fsyncs file by file. */
export async function syncWritten(batch: WrittenBatch, options: { fileSystem?: boolean } = {}): Promise<void> {
  if (batch.files.length === 0 && batch.folders.length === 0) return;
  if (await syncFileSystem(batch.root, options.fileSystem)) return;
  await mapConcurrent(batch.files, FSYNCS_IN_FLIGHT, fsyncFile);
  for (const folder of batch.folders) await syncFolder(folder);
}

// The files of an export folder that a push sends: every regular file under it, as POSIX paths relative to
// it, sorted. A symbolic link anywhere is refused rather than followed (it could point out of the folder,
// at a private file), and so is anything that is not a regular file or a folder. Only names and lstat
// results are read here; contents are read later, lazily, by LocalFileBlob, which checks that each file
// is still the one listed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HubPushError } from './hub-errors.js';

/** What identifies a file on disk, so that a file replaced between listing and reading is noticed. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface FolderFile {
  /** Relative to the folder, "/"-separated: the path in the repo. */
  path: string;
  absolute: string;
  identity: FileIdentity;
}

export interface FolderLimits {
  /** One commit carries every file; the Hub advises against repos of more than about 100k files. */
  maxFiles: number;
  /** The Hub refuses LFS files over 50 GB. */
  maxFileBytes: number;
  maxDepth: number;
}

export const DEFAULT_FOLDER_LIMITS: FolderLimits = { maxFiles: 100_000, maxFileBytes: 50_000_000_000, maxDepth: 32 };

function badFolder(message: string): HubPushError {
  return new HubPushError(message, 'bad-folder');
}

// Control characters and backslashes make names that the Hub or a Windows checkout would read differently.
const UNSAFE_NAME = /[\u0000-\u001f\u007f\\]/;

export async function listFolderFiles(folder: string, limits: FolderLimits = DEFAULT_FOLDER_LIMITS, signal?: AbortSignal): Promise<FolderFile[]> {
  const root = path.resolve(folder);
  const rootStat = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    throw badFolder(err.code === 'ENOENT' ? `no such folder: ${root}` : `cannot read ${root}: ${err.message}`);
  });
  if (!rootStat.isDirectory()) throw badFolder(`${root} is not a folder`);
  const files: FolderFile[] = [];

  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    if (depth > limits.maxDepth) throw badFolder(`${dir} is nested more than ${limits.maxDepth} folders deep`);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw badFolder(`cannot read the folder ${dir}: ${err.message}`);
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      signal?.throwIfAborted();
      const absolute = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (UNSAFE_NAME.test(entry.name)) throw badFolder(`${JSON.stringify(relPath)} has a control character or a backslash in its name; rename it before pushing`);
      if (entry.isSymbolicLink()) throw badFolder(`${relPath} is a symbolic link; a push sends only regular files (replace the link by a copy of the file)`);
      if (entry.isDirectory()) {
        if (entry.name === '.git') throw badFolder(`${relPath} is a git folder; the Hub does not take files under .git/`);
        await walk(absolute, relPath, depth + 1);
        continue;
      }
      if (!entry.isFile()) throw badFolder(`${relPath} is not a regular file (a device, socket or pipe); remove it before pushing`);
      const stat = await fs.lstat(absolute);
      // The entry may have been swapped for a link since readdir.
      if (!stat.isFile()) throw badFolder(`${relPath} changed while the folder was listed; run the push again`);
      if (stat.size > limits.maxFileBytes) throw badFolder(`${relPath} is ${stat.size} bytes; the Hub takes files of at most ${limits.maxFileBytes} bytes`);
      files.push({ path: relPath, absolute, identity: { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs } });
      if (files.length > limits.maxFiles) {
        throw badFolder(`${root} has more than ${limits.maxFiles} files, more than one commit should carry; export with --format parquet (images inside the shards)`);
      }
    }
  }

  await walk(root, '', 0);
  return files;
}

// Atomic file replacement: write a temporary file in the same folder, fsync it, rename it over the
// target, fsync the folder. A crash at any moment leaves either the old file or the new one.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertFileSize, writeFully } from '../util/write-fully.js';
import { OWNER_TAG_PATTERN, holdTemp, ownerTag, releaseTemp, removeAbandoned } from '../util/leftovers.js';
import { escapeRegExp } from '../util/text-patterns.js';

export class WriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

/** Turns an fs error code into a sentence a user can act on. */
export function describeWriteFailure(target: string, err: NodeJS.ErrnoException): string {
  const folder = path.dirname(target);
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return `cannot write ${target}: permission denied. Make ${folder} writable or copy the dataset somewhere you can write. Nothing was changed.`;
    case 'EROFS':
      return `cannot write ${target}: ${folder} is on a read-only file system. Nothing was changed.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `cannot write ${target}: the disk is full. Free some space and save again; the previous file is untouched.`;
    case 'ENOENT':
      return `cannot write ${target}: the folder ${folder} no longer exists.`;
    default:
      return `cannot write ${target}: ${err.message}. The previous file is untouched.`;
  }
}

/** A whole file, or its text in chunks (a large manifest is streamed rather than built as one string). */
export type FileContent = string | Uint8Array | Iterable<string | Uint8Array>;

/** Matches the temp names writeFileAtomic gives `target`: `.<name>.<host>-<pid>.<hex>.tmp`. */
export function tempNamePattern(target: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(path.basename(target))}\\.${OWNER_TAG_PATTERN}\\.[0-9a-f]{8}\\.tmp$`);
}

const swept = new Set<string>();

/**
 * Removes temp files that a killed write of `target` left (once per target and process: a captioning run
 * checkpoints every few seconds). Only names of writeFileAtomic's own pattern, only when their owner is gone.
 */
export async function removeAbandonedTemps(target: string): Promise<string[]> {
  const key = path.resolve(target);
  if (swept.has(key)) return [];
  swept.add(key);
  return removeAbandoned(path.dirname(target), tempNamePattern(target));
}

export interface AtomicWriteOptions {
  /**
   * Called with the finished temp file's path just before it is renamed onto the target: a reader opened
   * here holds exactly what was written, whatever replaces the target afterwards.
   */
  beforeRename?: (tmp: string) => void;
  /**
   * One of many files whose durability the caller batches (an import's unit records): no fsync of the file
   * or its folder and no sweep of leftovers here. The caller sweeps once per folder and syncs the batch
   * together; until then a power cut may leave the name holding less than was written (never a kill: the
   * rename still shows the whole file or none), so it must be read as possibly damaged.
   */
  batch?: boolean;
}

export async function writeFileAtomic(target: string, data: FileContent, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(target);
  if (!options.batch) await removeAbandonedTemps(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${ownerTag()}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  holdTemp(tmp);
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    // Keep the target's permissions when it exists.
    const mode = await fs.stat(target).then((s) => s.mode & 0o777, () => undefined);
    if (mode !== undefined) await handle.chmod(mode);
    let written = 0;
    if (typeof data === 'string' || data instanceof Uint8Array) written = await writeFully(handle, data, tmp);
    else for (const chunk of data) written += await writeFully(handle, chunk, tmp);
    if (!options.batch) await handle.sync();
    await assertFileSize(handle, written, tmp);
    await handle.close();
    handle = undefined;
    options.beforeRename?.(tmp);
    await fs.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new WriteError(describeWriteFailure(target, e), e.code);
  } finally {
    releaseTemp(tmp);
  }
  if (!options.batch) await syncFolder(dir);
}

/** Persists the renames in a folder; some platforms cannot open a folder, which is fine to skip. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

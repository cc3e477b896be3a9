// The one way to read a file a manifest names: resolve it inside the dataset folder, refuse what resolves
// outside it (a link to ~/.ssh/id_rsa, or a subfolder that is a link to another folder) unless the user
// chose to follow links out, refuse what is not a regular file, and open it so that what is read is what
// was checked. The scan refuses such links when it walks (walk.ts); this is the check for every reader
// after it: export, push, the dataset card, anything that reads an image or a sidecar by its name.
//
// Cheap at a million files: a folder is resolved once (its realpath is kept for the most recent folders,
// as records come in name order) and a plain file is recognised from its folder's listing, so a file costs
// no system call until it is opened. Opening checks the opened file itself: on Linux the path the kernel
// reports for the open handle must still be inside the dataset, so a folder swapped for a link between the
// check and the open is caught too.
import type { Dirent } from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { isInside } from '../util/text-patterns.js';

export interface DatasetFileOptions {
  /** Read files that resolve outside the dataset folder too (the user's choice, as for the scan). */
  followExternalLinks?: boolean;
}

/** Why a file is not read. */
export type DatasetFileRefusal =
  /** It resolves outside the dataset folder: `target` is where it leads. */
  | { refused: 'outside'; target: string }
  | { refused: 'missing' }
  /** A folder, a pipe, a socket or a device. */
  | { refused: 'not-a-file' }
  | { refused: 'unreadable'; code: string };

/** A file that may be read: its name in the dataset and the path with every link resolved. */
export interface DatasetFile {
  relPath: string;
  real: string;
}

export function isRefusal(value: DatasetFile | DatasetFileRefusal | Buffer): value is DatasetFileRefusal {
  return typeof value === 'object' && 'refused' in value;
}

/** Folders whose realpath and listing are kept. */
const KEPT_FOLDERS = 16;

/** Parent folders whose sub-folders are kept, sorted (listNextSibling). */
const KEPT_PARENTS = 4;

/**
 * Sibling folders listed ahead of the one whose images are being read. Two, not one: on two busy cores a
 * listing (realpath, then readdir, each a trip to the file system's threads) sometimes came back after its
 * folder's images were asked for, and the pass waited (1M captions-only hf export, 4 alternating pairs:
 * 8.54–9.17 s with one ahead, 8.15–8.95 s with two).
 */
const FOLDERS_LISTED_AHEAD = 2;

/** Entries of a parent folder beyond which its sub-folders are not listed ahead. */
export const MAX_ENTRIES_LISTED_AHEAD = 10_000;

interface FolderState {
  /** The folder with every link resolved, or null when it cannot be resolved. */
  real: string | null;
  /** Files in it may be read: it resolves inside the dataset (or the user follows links out). */
  allowed: boolean;
  /** The names of its plain files (null when it cannot be listed); links and the rest are left out. */
  files: Set<string> | null;
}

/** The path of an open file as the kernel reports it (Linux), or null where it cannot be asked. */
async function openedPath(handle: FileHandle): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  return fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
}

/** A path that opens the very file `handle` has open (Linux), for APIs that take a path (copyFile). */
function handlePath(handle: FileHandle): string | null {
  return process.platform === 'linux' ? `/proc/self/fd/${handle.fd}` : null;
}

/** The file opened is not the one resolved: it changed in between. */
export class DatasetFileChangedError extends Error {
  override name = 'DatasetFileChangedError';
  constructor(
    message: string,
    readonly refusal: DatasetFileRefusal,
  ) {
    super(message);
  }
}

/** A folder's state while it is being found, and once found. */
interface KeptFolder {
  state: Promise<FolderState>;
  settled: FolderState | null;
  /** Listed ahead (listNextSibling) and not asked for yet. */
  ahead: boolean;
}

/** A name made of plain segments: no empty, "." or ".." one, no backslash, NUL or drive letter (what listsFile takes). */
const PLAIN_NAME = /^(?![A-Za-z]:)(?!(?:.*\/)?\.{0,2}(?:\/|$))[^\\\0]+$/;

/**
 * A folder's sub-folders in name order, for listing the next one ahead; none when it holds more than
 * MAX_ENTRIES_LISTED_AHEAD entries (a root of a million images is not read just to guess what comes next)
 * or cannot be read. Real folders only: a link is judged when its images are asked for.
 */
async function subfoldersOf(parent: string): Promise<string[]> {
  const names: string[] = [];
  try {
    let entries = 0;
    // Leaving the loop closes the folder.
    for await (const entry of await fs.opendir(parent, { bufferSize: 256 })) {
      if (++entries > MAX_ENTRIES_LISTED_AHEAD) return [];
      if (entry.isDirectory()) names.push(entry.name);
    }
  } catch {
    return [];
  }
  return names.sort();
}

/** The index of the first of `sorted` after `name` in code-unit order (sorted.length when none is). */
function firstAfter(sorted: readonly string[], name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= name) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class DatasetFolder {
  private readonly folders = new Map<string, KeptFolder>();
  /** Parent folders' sub-folders, sorted, for listing the next one ahead. */
  private readonly subfolders = new Map<string, Promise<string[]>>();
  /** The folder listsFile looked at last, by its name in the dataset. */
  private lastListed: { dirName: string; folder: FolderState } | null = null;

  private constructor(
    /** The dataset folder as given. */
    readonly root: string,
    /** The dataset folder with every link resolved. */
    readonly realRoot: string,
    readonly followExternalLinks: boolean,
  ) {}

  static async open(folder: string, options: DatasetFileOptions = {}): Promise<DatasetFolder> {
    const root = path.resolve(folder);
    return new DatasetFolder(root, await fs.realpath(root), options.followExternalLinks === true);
  }

  private allowed(real: string): boolean {
    return this.followExternalLinks || isInside(real, this.realRoot);
  }

  private folder(dir: string): Promise<FolderState> {
    const known = this.folders.get(dir);
    if (known) {
      // Most recently used last.
      this.folders.delete(dir);
      this.folders.set(dir, known);
      this.reached(dir, known);
      return known.state;
    }
    const state = this.list(dir, false);
    this.listNextSibling(dir);
    return state;
  }

  /** A folder listed ahead, now asked for: the one after it is listed next. */
  private reached(dir: string, kept: KeptFolder): void {
    if (!kept.ahead) return;
    kept.ahead = false;
    this.listNextSibling(dir);
  }

  /** Lists `dir` into the kept folders; `ahead`: before its images are asked for. */
  private list(dir: string, ahead: boolean): Promise<FolderState> {
    const state = (async (): Promise<FolderState> => {
      const real = await fs.realpath(dir).catch(() => null);
      let files: Set<string> | null = null;
      if (real !== null) {
        const entries: Dirent[] | null = await fs.readdir(real, { withFileTypes: true }).catch(() => null);
        if (entries) {
          files = new Set();
          for (const entry of entries) if (entry.isFile()) files.add(entry.name);
        }
      }
      return { real, allowed: real !== null && this.allowed(real), files };
    })();
    const kept: KeptFolder = { state, settled: null, ahead };
    void state.then((found) => (kept.settled = found));
    this.folders.set(dir, kept);
    if (this.folders.size > KEPT_FOLDERS) this.folders.delete(this.folders.keys().next().value!);
    return state;
  }

  /**
   * Starts listing the folders after `dir` among its parent's sub-folders in name order. A manifest's images
   * come in name order, a folder at a time: the next one is listed while this one's images are read, not
   * waited for when they are done (a thousand folders of a million images each cost a wait otherwise).
   */
  private listNextSibling(dir: string): void {
    const parent = path.dirname(dir);
    if (parent === dir || !isInside(parent, this.root)) return;
    let names = this.subfolders.get(parent);
    if (!names) {
      names = subfoldersOf(parent);
      this.subfolders.set(parent, names);
      if (this.subfolders.size > KEPT_PARENTS) this.subfolders.delete(this.subfolders.keys().next().value!);
    }
    const name = path.basename(dir);
    void names.then((sorted) => {
      const first = firstAfter(sorted, name);
      for (const next of sorted.slice(first, first + FOLDERS_LISTED_AHEAD)) {
        const nextDir = path.join(parent, next);
        if (!this.folders.has(nextDir)) void this.list(nextDir, true);
      }
    });
  }

  /**
   * Whether `relPath` is known, without waiting and without a system call, to be a plain file that may be
   * read: a name of plain segments whose folder `resolve` has listed already, inside the dataset, listing it
   * as a plain file (the common case). False when that is not known now: `resolve` then says what it is.
   */
  listsFile(relPath: string): boolean {
    if (path.sep !== '/' || !PLAIN_NAME.test(relPath)) return false;
    const slash = relPath.lastIndexOf('/');
    const dirName = slash < 0 ? '' : relPath.slice(0, slash);
    // Names come in order, a folder's files one after the other: its state is looked up once for them all.
    let folder = dirName === this.lastListed?.dirName ? this.lastListed.folder : undefined;
    if (!folder) {
      const dir = slash < 0 ? this.root : `${this.root}/${dirName}`;
      const kept = this.folders.get(dir);
      folder = kept?.settled ?? undefined;
      if (!kept || !folder) return false;
      this.lastListed = { dirName, folder };
      this.reached(dir, kept);
    }
    return folder.allowed && folder.files?.has(relPath.slice(slash + 1)) === true;
  }

  /** Where `relPath` (a POSIX path relative to the dataset folder) leads, or why it may not be read. */
  async resolve(relPath: string): Promise<DatasetFile | DatasetFileRefusal> {
    const given = path.join(this.root, ...relPath.split('/'));
    // A name with ".." or an absolute one leaves the folder without any link.
    if (relPath === '' || path.isAbsolute(relPath) || !isInside(given, this.root) || given === this.root) return { refused: 'outside', target: given };
    const dir = path.dirname(given);
    const base = path.basename(given);
    const folder = await this.folder(dir);
    if (folder.real !== null && !folder.allowed) return { refused: 'outside', target: path.join(folder.real, base) };
    // The common case, a plain file in a folder inside the dataset, is settled by the listing.
    if (folder.real !== null && folder.files?.has(base)) return { relPath, real: path.join(folder.real, base) };
    // A link, something else, a name the listing lacks (a case-insensitive file system matches more than the
    // exact name) or a folder that cannot be listed: asked of the file itself.
    let real: string;
    try {
      real = await fs.realpath(given);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      return code === 'ENOENT' || code === 'ENOTDIR' ? { refused: 'missing' } : { refused: 'unreadable', code };
    }
    if (!this.allowed(real)) return { refused: 'outside', target: real };
    const stat = await fs.stat(real).catch((err: NodeJS.ErrnoException) => err);
    if (stat instanceof Error) return stat.code === 'ENOENT' ? { refused: 'missing' } : { refused: 'unreadable', code: stat.code ?? 'EIO' };
    if (!stat.isFile()) return { refused: 'not-a-file' };
    return { relPath, real };
  }

  /**
   * Opens a resolved file for reading: never through a link, never blocking on a pipe, and only when the
   * file opened is a regular file still inside the dataset. Throws DatasetFileChangedError when it is not
   * (it changed since it was resolved) and the usual fs errors when it cannot be opened. The caller closes it.
   */
  async openFile(file: DatasetFile): Promise<FileHandle> {
    const handle = await fs.open(file.real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new DatasetFileChangedError(`${file.relPath} is no longer a regular file`, { refused: 'not-a-file' });
      const opened = await openedPath(handle);
      if (opened !== null && !this.allowed(opened)) {
        throw new DatasetFileChangedError(`${file.relPath} now leads outside the dataset folder`, { refused: 'outside', target: opened });
      }
      return handle;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Runs `use` on the opened file (closed after), or returns why it cannot be opened. */
  private async withOpened<T>(file: DatasetFile, use: (handle: FileHandle) => Promise<T>): Promise<T | DatasetFileRefusal> {
    let handle: FileHandle;
    try {
      handle = await this.openFile(file);
    } catch (err) {
      return refusalOf(err);
    }
    try {
      return await use(handle);
    } finally {
      await handle.close();
    }
  }

  /** The whole file, or why it is not read; files over `maxBytes` are refused as unreadable (EFBIG). */
  async read(relPath: string, maxBytes: number): Promise<Buffer | DatasetFileRefusal> {
    const file = await this.resolve(relPath);
    if (isRefusal(file)) return file;
    return this.withOpened(file, async (handle): Promise<Buffer | DatasetFileRefusal> => {
      try {
        const { size } = await handle.stat();
        if (size > maxBytes) return { refused: 'unreadable', code: 'EFBIG' };
        return await handle.readFile();
      } catch (err) {
        return refusalOf(err);
      }
    });
  }

  /**
   * Copies a resolved file to `dest` (copy-on-write where the file system can: `flags` as fs.copyFile
   * takes them) from the handle it opened, so that the bytes copied are the checked file's. Returns why the
   * file may not be read; throws what goes wrong on the destination's side.
   */
  async copyTo(file: DatasetFile, dest: string, flags: number): Promise<DatasetFileRefusal | null> {
    return this.withOpened(file, async (handle) => {
      await fs.copyFile(handlePath(handle) ?? file.real, dest, flags);
      return null;
    });
  }

  /**
   * Hard links a resolved file at `dest` and checks that the link is to the checked file. Returns why the
   * file may not be read; throws what goes wrong on the destination's side (EXDEV: another file system).
   */
  async linkTo(file: DatasetFile, dest: string): Promise<DatasetFileRefusal | null> {
    return this.withOpened(file, async (handle): Promise<DatasetFileRefusal | null> => {
      await fs.link(file.real, dest);
      const [linked, checked] = await Promise.all([fs.lstat(dest), handle.stat()]);
      if (linked.ino === checked.ino && linked.dev === checked.dev) return null;
      await fs.rm(dest, { force: true });
      return { refused: 'outside', target: 'another file than the one checked (it changed while it was linked)' };
    });
  }
}

/** An error from opening or reading a resolved file, as a refusal. */
export function refusalOf(err: unknown): DatasetFileRefusal {
  if (err instanceof DatasetFileChangedError) return err.refusal;
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  if (code === 'ENOENT') return { refused: 'missing' };
  // O_NOFOLLOW on a link that appeared since it was resolved.
  if (code === 'ELOOP') return { refused: 'outside', target: 'a symbolic link that appeared after it was checked' };
  return { refused: 'unreadable', code };
}

/** One line for a warning about a refused file: what it is and what the user can do. */
export function describeRefusal(relPath: string, refusal: DatasetFileRefusal, optIn: string): string {
  switch (refusal.refused) {
    case 'outside':
      return `${relPath} leads to ${refusal.target}, outside the dataset folder; not read (${optIn} to include such files)`;
    case 'missing':
      return `${relPath} is not in the dataset folder`;
    case 'not-a-file':
      return `${relPath} is not a regular file`;
    case 'unreadable':
      return `${relPath} cannot be read (${refusal.code})`;
  }
}

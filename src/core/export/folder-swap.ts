// Puts a finished export, built in a folder beside its output folder, in place so that the output folder
// always holds one whole export: the earlier one until the new one is there.
//
// Into a folder that does not exist (or is empty) that is one rename. Over an earlier export it is a swap
// of whole folders, journaled so that a kill at any moment is finished by the next run:
//   1. the journal is created beside the output folder (exclusively: it is also the lock);
//   2. the user's own files in the output folder (everything but the earlier export's outputs) are hard
//      linked into the new export's folder, so they are in both and never out of sight;
//   3. the output folder is renamed aside, and the new export's folder renamed into its place (between the
//      two renames, and only then, the output folder is absent: the journal says where both are);
//   4. anything that appeared in the set-aside folder meanwhile is moved across, the set-aside folder (the
//      earlier export) deleted, and the journal removed.
// Node has no atomic exchange of two folders (renameat2 RENAME_EXCHANGE), hence the journal.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { removeAbandonedTemps, syncFolder } from '../dataset/atomic-write.js';
import { holdTemp, isAbandoned, ownerTag, parseOwnerTag, releaseTemp, removeAbandoned } from '../util/leftovers.js';
import { writeFully } from '../util/write-fully.js';
import { EXPORT_RECORD_NAME } from './output-names.js';
import { formatWrites, isTopLevelName, readPreviousExport } from './previous-export.js';
import type { SideNames } from './side-names.js';
import { EXPORT_FORMATS, ExportError, type ExportFormat } from './types.js';

interface SwapJournal {
  tool: 'recaption';
  journal_version: 2;
  /** ownerTag() of the process swapping: a live owner's journal is left alone. */
  owner: string;
  /** Base name of the output folder. */
  target: string;
  /** Base names, in the output folder's parent, of the new export's folder and of the earlier one set aside. */
  staging: string;
  setAside: string;
  /** Top-level names of the earlier export (deleted with the set-aside folder). */
  replaces: string[];
  /** Top-level names of the user's own entries, linked into the new export's folder before the swap. */
  carry: string[];
}

const exists = async (p: string) => (await fs.lstat(p).catch(() => null)) !== null;

/** A name an export may have written: only those can be in a journal's `replaces`. */
function anExportName(name: string): boolean {
  return name === EXPORT_RECORD_NAME || EXPORT_FORMATS.some((f) => formatWrites(f, name));
}

/** A journal read from disk is untrusted: it may only name this output folder's side entries and export names. */
function parseJournal(text: string, names: SideNames): SwapJournal | null {
  let j: Partial<Record<keyof SwapJournal, unknown>>;
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    return null;
  }
  if (j === null || typeof j !== 'object' || j.tool !== 'recaption' || j.journal_version !== 2) return null;
  if (typeof j.owner !== 'string' || j.target !== names.target || typeof j.staging !== 'string' || typeof j.setAside !== 'string') return null;
  if (!names.stagingPattern.test(j.staging) || !names.setAsidePattern.test(j.setAside)) return null;
  const list = (v: unknown): string[] | null => (Array.isArray(v) && v.every(isTopLevelName) ? (v as string[]) : null);
  const replaces = list(j.replaces);
  const carry = list(j.carry);
  if (!replaces || !carry || !replaces.every(anExportName)) return null;
  return { tool: 'recaption', journal_version: 2, owner: j.owner, target: j.target, staging: j.staging, setAside: j.setAside, replaces, carry };
}

/** Writes the journal whole under its name, failing with EEXIST when there is one already. */
async function createJournal(file: string, journal: SwapJournal): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${ownerTag()}.${randomBytes(4).toString('hex')}.tmp`);
  holdTemp(tmp);
  try {
    const handle = await fs.open(tmp, 'wx', 0o644);
    try {
      await writeFully(handle, JSON.stringify(journal), tmp);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
    releaseTemp(tmp);
  }
  await syncFolder(path.dirname(file));
}

/** Hard links (a copy where the file system refuses) `from` into `to`, folders recursively; what is there already is kept. */
async function linkTree(from: string, to: string): Promise<void> {
  const stat = await fs.lstat(from).catch(() => null);
  if (!stat) return;
  if (stat.isDirectory()) {
    await fs.mkdir(to, { mode: stat.mode & 0o7777 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    for (const name of await fs.readdir(from)) await linkTree(path.join(from, name), path.join(to, name));
  } else if (stat.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(from), to).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } else if (stat.isFile()) {
    await fs.link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return;
      // Links refused (another device mounted inside, protected_hardlinks): a copy, never over anything.
      await fs.copyFile(from, to, constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    });
  }
  // Sockets, pipes and devices are not linked: they are moved across after the swap.
}

/** Moves what is in `from` and not in `to` across, folders merged; nothing in `to` is replaced. */
async function mergeInto(from: string, to: string): Promise<void> {
  const target = await fs.lstat(to).catch(() => null);
  if (!target) {
    await fs.rename(from, to);
    return;
  }
  const source = await fs.lstat(from);
  if (!source.isDirectory() || !target.isDirectory()) return;
  for (const name of await fs.readdir(from)) await mergeInto(path.join(from, name), path.join(to, name));
}

function damaged(out: string, names: SideNames, why: string): ExportError {
  return new ExportError(`${why}; look at ${out} and ${names.parent}, remove ${names.journal}, and export again`, 'out-damaged');
}

/**
 * Carries out a journal; safe to run again from any point it was killed at. 'restored' when the new
 * export's folder was gone (removed by hand) and the earlier export was put back instead.
 */
async function applySwap(out: string, names: SideNames, journal: SwapJournal): Promise<'swapped' | 'restored'> {
  let outcome: 'swapped' | 'restored' = 'swapped';
  const staging = path.join(names.parent, journal.staging);
  const setAside = path.join(names.parent, journal.setAside);
  if (await exists(staging)) {
    if (await exists(out)) {
      if (await exists(setAside)) throw damaged(out, names, `${out} was made again while an export was being swapped into it`);
      for (const name of journal.carry) await linkTree(path.join(out, name), path.join(staging, name));
      // The new folder keeps the output folder's permissions.
      await fs.chmod(staging, (await fs.stat(out)).mode & 0o7777);
      await fs.rename(out, setAside);
    }
    await fs.rename(staging, out);
  } else if (!(await exists(out))) {
    if (!(await exists(setAside))) throw damaged(out, names, `neither the new export nor the earlier one of ${out} is there`);
    await fs.rename(setAside, out);
    outcome = 'restored';
  }
  if (await exists(setAside)) {
    // Anything that appeared in the output folder after the journal was written is not lost with the earlier export.
    for (const name of await fs.readdir(setAside)) {
      if (!journal.replaces.includes(name)) await mergeInto(path.join(setAside, name), path.join(out, name));
    }
    await fs.rm(setAside, { recursive: true, force: true });
  }
  await syncFolder(names.parent);
  await fs.rm(names.journal, { force: true });
  await syncFolder(names.parent);
  return outcome;
}

/** Finishes a swap into `out` that a killed export left. Returns notices (none when there was nothing to finish). */
export async function finishInterruptedSwap(out: string, names: SideNames): Promise<string[]> {
  const text = await fs.readFile(names.journal, 'utf8').catch(() => null);
  if (text === null) return [];
  const journal = parseJournal(text, names);
  if (!journal) throw damaged(out, names, `${names.journal} is not a commit record recaption can finish (it was changed or damaged)`);
  const owner = parseOwnerTag(journal.owner);
  if (!(await isAbandoned(names.journal, owner?.host, owner?.pid))) {
    throw new ExportError(`another export is being moved into ${out} right now; wait for it or choose another folder`, 'out-busy');
  }
  const outcome = await applySwap(out, names, journal);
  return outcome === 'swapped'
    ? [`finished an export into ${out} that was interrupted while it was being moved into place`]
    : [`an export into ${out} was interrupted and its new files are gone; the earlier export was put back`];
}

/** Removes folders of killed exports into `out` that never reached their swap. Returns notices. */
export async function removeAbandonedBuilds(out: string, names: SideNames): Promise<string[]> {
  const removed = await removeAbandoned(names.parent, names.stagingPattern);
  // A journal whose writing was killed before it got its name.
  await removeAbandonedTemps(names.journal);
  return removed.length > 0 ? [`removed ${removed.length} unfinished export folder(s) of killed exports beside ${out}`] : [];
}

/**
 * Puts the finished export in `staging` in place at `out`: one rename into a new or empty folder, a
 * journaled swap over an earlier export. `format` is the new export's (for an earlier record without one);
 * `onJournal` is called once the journal is written.
 */
export async function placeBuiltExport(staging: string, out: string, names: SideNames, format: ExportFormat, onJournal?: () => void): Promise<void> {
  const entries = await fs.readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (entries === null || entries.length === 0) {
    if (entries !== null) await fs.chmod(staging, (await fs.stat(out)).mode & 0o7777);
    try {
      // Replaces an empty folder, never a non-empty one.
      await fs.rename(staging, out);
      await syncFolder(names.parent);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Something was written into the folder meanwhile: swap.
    }
    return placeBuiltExport(staging, out, names, format, onJournal);
  }
  const previous = await readPreviousExport(out, format);
  const replaces = previous ? [...previous.outputs, EXPORT_RECORD_NAME] : [];
  const carry = entries.filter((name) => !replaces.includes(name)).sort();
  const built = new Set(await fs.readdir(staging));
  const clashes = carry.filter((name) => built.has(name));
  if (clashes.length > 0) {
    throw new ExportError(`the output folder ${out} has ${clashes.join(', ')}, not written by an earlier recaption export; choose another folder`, 'out-not-empty');
  }
  const journal: SwapJournal = {
    tool: 'recaption',
    journal_version: 2,
    owner: ownerTag(),
    target: names.target,
    staging: path.basename(staging),
    setAside: path.basename(names.newSetAside()),
    replaces,
    carry,
  };
  // Held while swapping: another export in this same process must not take the journal for a leftover.
  holdTemp(names.journal);
  try {
    await createJournal(names.journal, journal).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new ExportError(`another export is being moved into ${out} right now; wait for it or choose another folder`, 'out-busy');
      throw err;
    });
    // From here on the journal owns the new export's folder: a failure leaves it for the next run to finish.
    onJournal?.();
    await applySwap(out, names, journal);
  } finally {
    releaseTemp(names.journal);
  }
}

// The export's output folder: refusals before anything is written, a folder beside it that the export is
// built in, and the commit that puts the finished export in place whole (folder-swap.ts). A cancelled or
// failed export deletes the folder it was building, so the output folder only ever holds whole exports.
//
// Before anything else, the next export into a folder finishes a swap that a killed export left (its
// journal is beside the folder) and removes build folders of killed exports.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../util/text-patterns.js';
import { holdTemp, releaseTemp } from '../util/leftovers.js';
import { ExportError, type ExportFormat } from './types.js';
import { EXPORT_RECORD_NAME } from './output-names.js';
import { finishInterruptedSwap, placeBuiltExport, removeAbandonedBuilds } from './folder-swap.js';
import { formatWrites, readPreviousExport } from './previous-export.js';
import { sideNamesOf, type SideNames } from './side-names.js';

export { EXPORT_RECORD_NAME };

export interface PreparedOutput {
  /** The output folder, resolved (a link to a folder is followed: the export replaces the folder it names). */
  out: string;
  /** The folder the export is built in, beside `out`. */
  staging: string;
  names: SideNames;
  format: ExportFormat;
  /** What the preparation had to tidy first: an interrupted export it finished, leftovers it removed. */
  notices: string[];
  /** Forced into a folder inside the dataset. */
  insideDataset: boolean;
  /** The first folder above `out` that this export created (removed again if the export fails), or null. */
  createdParent: string | null;
  /** Set once the commit journal is written: from then on the journal, not a failure, decides what happens to `staging`. */
  journaled: boolean;
}

/** The output folder already holds an export of the same dataset, manifest and settings, and none was forced. */
export interface AlreadyExported {
  out: string;
  record: string;
  notices: string[];
}

/** realpath of a path that may not exist yet: the nearest existing ancestor, resolved, plus the rest. */
async function realpathOfFuture(target: string): Promise<string> {
  const rest: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return target;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function cannotBuildBeside(out: string, parent: string, err: NodeJS.ErrnoException): ExportError {
  const why = err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.code === 'EROFS' ? 'a read-only file system' : err.message;
  return new ExportError(
    `cannot write beside ${out} (${why}): an export is built in a folder next to its output folder and moved in whole, so ${parent} must be writable; choose a folder inside a writable one`,
    'out-unusable',
  );
}

/** Refusals about the existing output folder; returns the names of an earlier export there, or null when it has none. */
async function checkExistingOutput(out: string, format: ExportFormat, force: boolean, fingerprint: () => Promise<string>, notices: string[]): Promise<{ previousRecord: string } | null> {
  const stat = await fs.stat(out).catch(() => null);
  if (!stat?.isDirectory()) throw new ExportError(`${out} exists and is not a folder`, 'out-not-folder');
  const parentStat = await fs.stat(path.dirname(out));
  if (parentStat.dev !== stat.dev) {
    throw new ExportError(
      `${out} is a mount point: an export is built beside its output folder and moved in by one rename, which cannot cross file systems; export into a folder inside it`,
      'out-unusable',
    );
  }
  const entries = await fs.readdir(out);
  if (entries.length === 0) return null;
  const previous = await readPreviousExport(out, format);
  if (!force) {
    // The same export again (a re-run after a kill, or twice by mistake): it is there, whole; nothing to do.
    if (previous?.settings && previous.settings === (await fingerprint())) return { previousRecord: await fs.readFile(path.join(out, EXPORT_RECORD_NAME), 'utf8') };
    const finished = notices.find((n) => n.startsWith('finished'));
    throw new ExportError(
      finished
        ? `${finished}, with other settings (see its ${EXPORT_RECORD_NAME}). To replace it with this export, force it.`
        : `the output folder ${out} is not empty; choose an empty folder, or force it`,
      'out-not-empty',
    );
  }
  // Forced: the earlier export's own outputs are replaced; any other name this export would write is not
  // the earlier export's, and is never replaced.
  const replaced = new Set(previous ? [...previous.outputs, EXPORT_RECORD_NAME] : []);
  const clashes = entries.filter((e) => (formatWrites(format, e) || e === EXPORT_RECORD_NAME) && !replaced.has(e));
  if (clashes.length > 0) {
    throw new ExportError(`the output folder ${out} already has ${clashes.join(', ')}, not written by an earlier recaption export; choose another folder`, 'out-not-empty');
  }
  return null;
}

/**
 * Checks the output folder and makes the folder the export is built in; or, when the folder already holds
 * this very export and none was forced, says so (the caller returns it as done). `fingerprint` is asked for
 * only when an earlier export there recorded one to compare with (it hashes the whole manifest).
 */
export async function prepareOutput(datasetFolder: string, outArg: string, format: ExportFormat, force: boolean, fingerprint: () => Promise<string>): Promise<PreparedOutput | AlreadyExported> {
  const given = path.resolve(outArg);
  const realDataset = await fs.realpath(datasetFolder);
  const out = await realpathOfFuture(given);
  if (isInside(realDataset, out)) {
    throw new ExportError(`the output folder ${given} contains the dataset ${datasetFolder}; choose a folder outside it`, 'out-inside-dataset');
  }
  const insideDataset = isInside(out, realDataset);
  if (insideDataset && !force) {
    throw new ExportError(
      `the output folder ${given} is inside the dataset ${datasetFolder}: a later scan would take the exported images for new ones. Choose a folder outside it, or force it.`,
      'out-inside-dataset',
    );
  }
  const names = sideNamesOf(out);
  const notices = [...(await finishInterruptedSwap(out, names)), ...(await removeAbandonedBuilds(out, names))];
  let createdParent: string | null = null;
  if (await fs.lstat(out).then(() => true, () => false)) {
    const done = await checkExistingOutput(out, format, force, fingerprint, notices);
    if (done) return { out, record: done.previousRecord, notices: [...notices, `${out} already holds this export (same dataset, manifest and settings); nothing to do`] };
  } else {
    createdParent = (await fs.mkdir(names.parent, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw cannotBuildBeside(given, names.parent, err);
    })) ?? null;
  }
  const staging = names.newStaging();
  await fs.mkdir(staging).catch((err: NodeJS.ErrnoException) => {
    throw cannotBuildBeside(given, names.parent, err);
  });
  // Held while it is built: another export into the same folder from this process must not take it for a leftover.
  holdTemp(staging);
  return { out, staging, names, format, notices, insideDataset, createdParent, journaled: false };
}

/** Puts the finished export (export.json included) in place. */
export async function commitOutput(prepared: PreparedOutput): Promise<void> {
  try {
    await placeBuiltExport(prepared.staging, prepared.out, prepared.names, prepared.format, () => {
      prepared.journaled = true;
    });
  } finally {
    releaseTemp(prepared.staging);
  }
}

/** Removes everything a cancelled or failed export wrote (unless its commit journal took over). */
export async function discardOutput(prepared: PreparedOutput): Promise<void> {
  releaseTemp(prepared.staging);
  if (prepared.journaled) return;
  await fs.rm(prepared.staging, { recursive: true, force: true });
  if (prepared.createdParent === null) return;
  // The folders this export made above the output folder, innermost first, while they are empty.
  for (let dir = prepared.names.parent; isInside(dir, prepared.createdParent); dir = path.dirname(dir)) {
    if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
    if (dir === prepared.createdParent) break;
  }
}

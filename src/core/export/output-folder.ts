// The export's output folder: refusals before anything is written, a staging folder that everything is
// written into, and the commit that moves the finished files to their final names. A cancelled or failed
// export deletes its staging folder, so no half-written file ever carries a final name.
//
// The commit is journaled so that a kill at any moment can be finished by the next run: the journal (what
// to remove, what to move, the export.json to write) is written atomically before anything moves; the
// earlier export's export.json goes first, so it never claims files that are half replaced; every step is
// idempotent, and the journal is removed last. The next export into the folder finishes a journal whose
// owner is gone before it looks at the folder, and removes staging folders whose owner is gone.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../dataset/atomic-write.js';
import { OWNER_TAG_PATTERN, holdTemp, isAbandoned, ownerTag, parseOwnerTag, releaseTemp, removeAbandoned } from '../util/leftovers.js';
import { isInside } from '../util/text-patterns.js';
import { EXPORT_FORMATS, ExportError, type ExportFormat } from './types.js';
import { CARD_FOLDER, CARD_NAME, EXPORT_RECORD_NAME } from './output-names.js';

export { EXPORT_RECORD_NAME };
/** Every name the export machinery itself puts in an output folder starts with this. */
const STAGING_PREFIX = '.recaption-export-';
export const COMMIT_JOURNAL_NAME = `${STAGING_PREFIX}commit.json`;
const STAGING_PATTERN = new RegExp(`^\\.recaption-export-${OWNER_TAG_PATTERN}-[0-9a-f]{12}\\.partial$`);
/** Any staging folder, this release's or an older one's without an owner tag (judged by age alone). */
const ANY_STAGING_PATTERN = new RegExp(`^\\.recaption-export-(?:${OWNER_TAG_PATTERN}-)?[0-9a-f]{12}\\.partial$`);

export interface PreparedOutput {
  out: string;
  staging: string;
  /** The output folder did not exist before: a failed export removes it again. */
  createdOut: boolean;
  /** Top-level entries of an earlier export in the same folder (from its export.json): replaced on commit. */
  previousOutputs: string[];
  format: ExportFormat;
  /** What the preparation had to tidy first: an interrupted export it finished, leftovers it removed. */
  notices: string[];
  realDataset: string;
  /** Forced into a folder inside the dataset. */
  insideDataset: boolean;
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

/** The dataset card every export writes beside its data: README.md and the folder of its plots. */
const CARD_NAMES: readonly string[] = [CARD_NAME, CARD_FOLDER];

/** Top-level names this format may write. */
function formatWrites(format: ExportFormat, name: string): boolean {
  if (CARD_NAMES.includes(name)) return true;
  switch (format) {
    case 'parquet':
      return name === 'data';
    case 'hf':
    case 'sidecar':
      return name === 'train' || name === 'validation';
    case 'webdataset':
      return /^(train|validation)-\d+\.tar$/.test(name);
    case 'llava':
      return name === 'train.json' || name === 'validation.json' || name === 'images';
    case 'openai':
      return name === 'train.jsonl' || name === 'validation.jsonl' || name === 'images';
  }
}

async function readPreviousOutputs(out: string): Promise<string[] | null> {
  try {
    const previous = JSON.parse(await fs.readFile(path.join(out, EXPORT_RECORD_NAME), 'utf8')) as { tool?: unknown; outputs?: unknown };
    if (previous.tool !== 'recaption' || !Array.isArray(previous.outputs)) return null;
    // Only plain top-level names: an edited export.json must not be able to point the cleanup elsewhere.
    return previous.outputs.filter((o): o is string => typeof o === 'string' && o !== '' && !/[\\/]/.test(o) && o !== '.' && o !== '..');
  } catch {
    return null;
  }
}

export async function prepareOutput(datasetFolder: string, outArg: string, format: ExportFormat, force: boolean): Promise<PreparedOutput> {
  const out = path.resolve(outArg);
  const realDataset = await fs.realpath(datasetFolder);
  const realOut = await realpathOfFuture(out);
  if (isInside(realDataset, realOut)) {
    throw new ExportError(`the output folder ${out} contains the dataset ${datasetFolder}; choose a folder outside it`, 'out-inside-dataset');
  }
  const insideDataset = isInside(realOut, realDataset);
  if (insideDataset && !force) {
    throw new ExportError(
      `the output folder ${out} is inside the dataset ${datasetFolder}: a later scan would take the exported images for new ones. Choose a folder outside it, or force it.`,
      'out-inside-dataset',
    );
  }
  let createdOut = false;
  let previousOutputs: string[] = [];
  const notices: string[] = [];
  try {
    const stat = await fs.stat(out);
    if (!stat.isDirectory()) throw new ExportError(`${out} exists and is not a folder`, 'out-not-folder');
    notices.push(...(await recoverInterruptedCommit(out, realDataset)));
    const removed = await removeAbandoned(out, ANY_STAGING_PATTERN);
    if (removed.length > 0) notices.push(`removed ${removed.length} staging folder(s) of killed exports from ${out}`);
    const entries = (await fs.readdir(out)).filter((e) => !e.startsWith(STAGING_PREFIX));
    if (entries.length > 0) {
      if (!force) {
        const finished = notices.length > 0 && (await fs.stat(path.join(out, EXPORT_RECORD_NAME)).catch(() => null)) !== null;
        throw new ExportError(
          finished
            ? `${notices[0]}: it is complete now (see its ${EXPORT_RECORD_NAME}). To export again into this folder, force it.`
            : `the output folder ${out} is not empty; choose an empty folder, or force it`,
          'out-not-empty',
        );
      }
      const previous = await readPreviousOutputs(out);
      // Only names this format writes itself: an export.json that lists a foreign folder cannot get it deleted.
      previousOutputs = (previous ?? []).filter((name) => formatWrites(format, name));
      // Forced into a non-empty folder, the export replaces an earlier export's files but never a file
      // that something else put there under a name it would write.
      const clashes = entries.filter(
        (e) => (formatWrites(format, e) || e === EXPORT_RECORD_NAME) && !(previous?.includes(e) || (e === EXPORT_RECORD_NAME && previous !== null)),
      );
      if (clashes.length > 0) {
        throw new ExportError(
          `the output folder ${out} already has ${clashes.join(', ')}, not written by an earlier recaption export; choose another folder`,
          'out-not-empty',
        );
      }
    }
  } catch (err) {
    if (err instanceof ExportError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fs.mkdir(out, { recursive: true });
    createdOut = true;
  }
  const staging = path.join(out, `${STAGING_PREFIX}${ownerTag()}-${randomBytes(6).toString('hex')}.partial`);
  await fs.mkdir(staging);
  return { out, staging, createdOut, previousOutputs, format, notices, realDataset, insideDataset };
}

/** What a commit is about to do, written before it starts so that a killed commit can be finished. */
interface CommitJournal {
  tool: 'recaption';
  journal_version: 1;
  /** ownerTag() of the process committing: a live owner's journal is left alone. */
  owner: string;
  format: ExportFormat;
  /** Base name of the staging folder in the output folder. */
  staging: string;
  /** Top-level names of the earlier export to delete (none of them in `moves`). */
  removes: string[];
  /** Top-level names to move from the staging folder into the output folder. */
  moves: string[];
  /** The export.json to write when everything is in place. */
  record: string;
}

function isTopLevelName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name);
}

/** A journal read from disk is untrusted: every name must be one the journal's format writes. */
function parseJournal(text: string): CommitJournal | null {
  let j: Partial<Record<keyof CommitJournal, unknown>>;
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    return null;
  }
  if (j === null || typeof j !== 'object' || j.tool !== 'recaption' || j.journal_version !== 1) return null;
  const format = EXPORT_FORMATS.find((f) => f === j.format);
  if (!format || typeof j.owner !== 'string' || typeof j.staging !== 'string' || typeof j.record !== 'string') return null;
  if (!STAGING_PATTERN.test(j.staging)) return null;
  const names = (v: unknown): string[] | null =>
    Array.isArray(v) && v.every((n) => isTopLevelName(n) && formatWrites(format, n)) ? (v as string[]) : null;
  const removes = names(j.removes);
  const moves = names(j.moves);
  if (!removes || !moves) return null;
  return { tool: 'recaption', journal_version: 1, owner: j.owner, format, staging: j.staging, removes, moves, record: j.record };
}

/** Carries out a journal; safe to run again from any point it was killed at. */
async function applyJournal(out: string, realDataset: string, journal: CommitJournal): Promise<void> {
  const staging = path.join(out, journal.staging);
  await fs.rm(path.join(out, EXPORT_RECORD_NAME), { force: true });
  for (const name of journal.removes) {
    const target = path.join(out, name);
    const real = await fs.realpath(target).catch(() => null);
    if (real === null || isInside(realDataset, real)) continue;
    await fs.rm(target, { recursive: true, force: true });
  }
  for (const name of journal.moves) {
    const from = path.join(staging, name);
    // Already moved by the run that was killed.
    if (!(await fs.lstat(from).catch(() => null))) continue;
    await fs.rm(path.join(out, name), { recursive: true, force: true });
    await fs.rename(from, path.join(out, name));
  }
  await writeFileAtomic(path.join(out, EXPORT_RECORD_NAME), journal.record);
  await fs.rm(staging, { recursive: true, force: true });
  await fs.rm(path.join(out, COMMIT_JOURNAL_NAME), { force: true });
}

/** Finishes the commit of an export that was killed while committing into `out`. Returns notices. */
async function recoverInterruptedCommit(out: string, realDataset: string): Promise<string[]> {
  const file = path.join(out, COMMIT_JOURNAL_NAME);
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return [];
  const journal = parseJournal(text);
  if (!journal) {
    throw new ExportError(
      `${file} is not a commit record recaption can finish (it was changed or damaged); look at the folder, remove the file, and export again`,
      'out-damaged',
    );
  }
  const owner = parseOwnerTag(journal.owner);
  if (!(await isAbandoned(file, owner?.host, owner?.pid))) {
    throw new ExportError(`another export is being written into ${out} right now; wait for it or choose another folder`, 'out-busy');
  }
  await applyJournal(out, realDataset, journal);
  return [`finished an export into ${out} that was interrupted while its files were moved into place`];
}

/**
 * Moves the staged files to their final names through a commit journal, export.json last (its presence
 * marks a complete export). Returns the top-level names written.
 */
export async function commitOutput(prepared: PreparedOutput, exportRecord: (outputs: string[]) => string): Promise<string[]> {
  const moves = (await fs.readdir(prepared.staging)).sort();
  const journal: CommitJournal = {
    tool: 'recaption',
    journal_version: 1,
    owner: ownerTag(),
    format: prepared.format,
    staging: path.basename(prepared.staging),
    removes: prepared.previousOutputs.filter((name) => !moves.includes(name)),
    moves,
    record: exportRecord(moves),
  };
  const journalFile = path.join(prepared.out, COMMIT_JOURNAL_NAME);
  // Held while committing: another export in this same process must not take the journal for a leftover.
  holdTemp(journalFile);
  try {
    await writeFileAtomic(journalFile, JSON.stringify(journal));
    await applyJournal(prepared.out, prepared.realDataset, journal);
  } finally {
    releaseTemp(journalFile);
  }
  return moves;
}

/** Removes everything a cancelled or failed export wrote. */
export async function discardOutput(prepared: PreparedOutput): Promise<void> {
  await fs.rm(prepared.staging, { recursive: true, force: true });
  if (prepared.createdOut) await fs.rmdir(prepared.out).catch(() => undefined);
}

// The export's output folder: refusals before anything is written, a staging folder that everything is
// written into, and the commit that moves the finished files to their final names. A cancelled or failed
// export deletes its staging folder, so no half-written file ever carries a final name.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExportError, type ExportFormat } from './types.js';

export const EXPORT_RECORD_NAME = 'export.json';
const STAGING_PREFIX = '.recaption-export-';

export interface PreparedOutput {
  out: string;
  staging: string;
  /** The output folder did not exist before: a failed export removes it again. */
  createdOut: boolean;
  /** Top-level entries of an earlier export in the same folder (from its export.json): replaced on commit. */
  previousOutputs: string[];
  realDataset: string;
  /** Forced into a folder inside the dataset. */
  insideDataset: boolean;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
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

/** Top-level names this format may write. */
function formatWrites(format: ExportFormat, name: string): boolean {
  switch (format) {
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
  try {
    const stat = await fs.stat(out);
    if (!stat.isDirectory()) throw new ExportError(`${out} exists and is not a folder`, 'out-not-folder');
    const entries = (await fs.readdir(out)).filter((e) => !e.startsWith(STAGING_PREFIX));
    if (entries.length > 0) {
      if (!force) throw new ExportError(`the output folder ${out} is not empty; choose an empty folder, or force it`, 'out-not-empty');
      const previous = await readPreviousOutputs(out);
      previousOutputs = previous ?? [];
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
  const staging = path.join(out, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}.partial`);
  await fs.mkdir(staging);
  return { out, staging, createdOut, previousOutputs, realDataset, insideDataset };
}

/**
 * Moves the staged files to their final names, export.json last (its presence marks a complete export).
 * Returns the top-level names written.
 */
export async function commitOutput(prepared: PreparedOutput, exportRecord: (outputs: string[]) => string): Promise<string[]> {
  const outputs = (await fs.readdir(prepared.staging)).sort();
  for (const name of prepared.previousOutputs) {
    const target = path.join(prepared.out, name);
    const real = await fs.realpath(target).catch(() => null);
    if (real === null || isInside(prepared.realDataset, real)) continue;
    await fs.rm(target, { recursive: true, force: true });
  }
  for (const name of outputs) {
    await fs.rm(path.join(prepared.out, name), { recursive: true, force: true });
    await fs.rename(path.join(prepared.staging, name), path.join(prepared.out, name));
  }
  await fs.writeFile(path.join(prepared.staging, EXPORT_RECORD_NAME), exportRecord(outputs));
  await fs.rename(path.join(prepared.staging, EXPORT_RECORD_NAME), path.join(prepared.out, EXPORT_RECORD_NAME));
  await fs.rmdir(prepared.staging);
  return outputs;
}

/** Removes everything a cancelled or failed export wrote. */
export async function discardOutput(prepared: PreparedOutput): Promise<void> {
  await fs.rm(prepared.staging, { recursive: true, force: true });
  if (prepared.createdOut) await fs.rmdir(prepared.out).catch(() => undefined);
}

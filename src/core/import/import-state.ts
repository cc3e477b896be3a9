// What an import leaves in its output folder to be resumed, and how it recognises its own folder:
//
//   <out>/.recaption-import/state.json          the source (file names and sizes), format and columns
//   <out>/.recaption-import/units/<unit>.jsonl  one per finished row group or shard: its rows' captions,
//                                               identities and manifest records (the manifest is built
//                                               from these)
//   <out>/images/.<stem>.partial/               a source file's images while it is being imported
//   <out>/images/<stem>/                        ... renamed here once all its units are finished
//
// The state file is written atomically and synced; a unit file atomically, made durable with the next
// batch of images (import-commits.ts), and only after its own images are durable: a stop at any moment
// leaves a state a re-run continues from, and a unit file a power cut damaged reads as unfinished.
// Hidden names keep the scan out of them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../dataset/atomic-write.js';
import { OWNER_TAG_PATTERN, removeAbandoned } from '../util/leftovers.js';
import { toRecord, unsafeFileNameReason } from '../dataset/manifest-codec.js';
import { MANIFEST_NAME, type ManifestRecord } from '../../shared/record.js';
import { MAX_CAPTION_CHARS } from '../limits.js';
import { ImportError } from './import-errors.js';
import type { ImportFormat, ImportSource } from './source-files.js';

export const STATE_FOLDER = '.recaption-import';
export const IMAGES_FOLDER = 'images';
const STATE_VERSION = 1;
/** A unit file is ours, but it is read back as untrusted input: bounded and checked line by line. */
const MAX_UNIT_BYTES = 256 << 20;

export interface ImportState {
  version: number;
  format: ImportFormat;
  files: { name: string; bytes: number }[];
  imageColumn?: string;
  captionColumn?: string;
}

/** One imported image as its unit file records it. */
export interface UnitEntry {
  file_name: string;
  alt: string | null;
  source_file: string;
  source_row?: number;
  source_key?: string;
  /**
   * The record a scan of the folder would add for the image (probed from the bytes as they were written),
   * before its caption and source are set. Absent in units of earlier releases: their manifest is a scan's.
   */
  scanned?: ManifestRecord;
}

export interface UnitSummary {
  rows: number;
  images: number;
  skipped: Record<string, number>;
  examples: Record<string, string[]>;
  /** Captions of its images that were cleaned or left out, by what happened (absent in older units). */
  captions?: Record<string, number>;
  captionExamples?: Record<string, string[]>;
}

export interface FinishedUnit {
  summary: UnitSummary;
  entries: UnitEntry[];
}

export function stateFile(out: string): string {
  return path.join(out, STATE_FOLDER, 'state.json');
}

export function unitsFolder(out: string): string {
  return path.join(out, STATE_FOLDER, 'units');
}

function unitFile(out: string, unit: string): string {
  return path.join(unitsFolder(out), `${unit}.jsonl`);
}

export function finalImageFolder(out: string, stem: string): string {
  return path.join(out, IMAGES_FOLDER, stem);
}

export function partialImageFolder(out: string, stem: string): string {
  return path.join(out, IMAGES_FOLDER, `.${stem}.partial`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseState(text: string): ImportState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.version !== STATE_VERSION || (value.format !== 'parquet' && value.format !== 'webdataset')) return null;
  if (!Array.isArray(value.files) || !value.files.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.bytes === 'number')) return null;
  for (const key of ['imageColumn', 'captionColumn'] as const) if (value[key] !== undefined && typeof value[key] !== 'string') return null;
  return value as unknown as ImportState;
}

function sameFiles(a: ImportState['files'], b: ImportState['files']): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.bytes === b[i]!.bytes);
}

/**
 * Checks that `out` can take an import of `source`: it does not exist or is empty (null), or it holds
 * an earlier import of the same source (same file names and sizes): its state. Anything else is refused.
 */
export async function checkOutput(out: string, source: ImportSource): Promise<ImportState | null> {
  const stat = await fs.stat(out).catch(() => null);
  if (stat === null) return null;
  if (!stat.isDirectory()) throw new ImportError('out-not-empty', `${out} exists and is not a folder`);
  const entries = await fs.readdir(out);
  if (entries.length === 0) return null;
  const text = await fs.readFile(stateFile(out), 'utf8').catch(() => null);
  if (text === null) {
    const what = entries.includes(MANIFEST_NAME) ? 'a dataset' : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`;
    throw new ImportError('out-not-empty', `${out} already holds ${what} that no import of this source wrote; import into a new or empty folder`);
  }
  const state = parseState(text);
  if (state === null) throw new ImportError('out-not-empty', `${out} holds an import state (${STATE_FOLDER}/state.json) that cannot be read; import into a new folder`);
  const files = source.files.map((f) => ({ name: f.name, bytes: f.bytes }));
  if (state.format !== source.format || !sameFiles(state.files, files)) {
    throw new ImportError(
      'source-changed',
      `${out} holds an import of other files (${state.files.length} ${state.format} file${state.files.length === 1 ? '' : 's'}, ` +
        `first ${state.files[0]?.name ?? 'none'}); import this source into a new folder`,
    );
  }
  return state;
}

/** Creates the output folder (when new) and records the import in it, before any image is written. */
export async function writeState(out: string, state: ImportState): Promise<void> {
  await fs.mkdir(unitsFolder(out), { recursive: true });
  await removeAbandonedTempFiles(unitsFolder(out));
  await writeFileAtomic(stateFile(out), `${JSON.stringify(state, null, 2)}\n`);
}

/** writeFileAtomic's temp names, whatever file they were for. */
const TEMP_PATTERN = new RegExp(`^\\..+\\.${OWNER_TAG_PATTERN}\\.[0-9a-f]{8}\\.tmp$`);

/** Removes the temp files that killed writes left in `dir` (unit records; images of earlier releases), only those whose owner is gone. */
export function removeAbandonedTempFiles(dir: string): Promise<string[]> {
  return removeAbandoned(dir, TEMP_PATTERN);
}

/** Records a finished unit; returns its file, which the caller makes durable (import-commits.ts). */
export async function writeUnit(out: string, unit: string, finished: FinishedUnit): Promise<string> {
  const file = unitFile(out, unit);
  const lines = [JSON.stringify(finished.summary), ...finished.entries.map((e) => JSON.stringify(e))];
  await writeFileAtomic(file, lines.map((l) => `${l}\n`), { batch: true });
  return file;
}

function parseEntry(value: unknown): UnitEntry | null {
  if (!isObject(value) || typeof value.file_name !== 'string' || typeof value.source_file !== 'string') return null;
  if (unsafeFileNameReason(value.file_name) !== null || !value.file_name.startsWith(`${IMAGES_FOLDER}/`)) return null;
  // Units of an earlier version may hold captions over today's limit: such a unit is redone.
  if (value.alt !== null && (typeof value.alt !== 'string' || value.alt.length > MAX_CAPTION_CHARS)) return null;
  if (value.source_row !== undefined && !Number.isSafeInteger(value.source_row)) return null;
  if (value.source_key !== undefined && typeof value.source_key !== 'string') return null;
  if (value.scanned !== undefined) {
    const scanned = toRecord(value.scanned);
    if (typeof scanned === 'string' || scanned.file_name !== value.file_name || scanned.ssc !== null || scanned.dsc !== null) return null;
  }
  return value as unknown as UnitEntry;
}

function parseSummary(value: unknown): UnitSummary | null {
  if (!isObject(value) || !Number.isSafeInteger(value.rows) || !Number.isSafeInteger(value.images)) return null;
  if (!isObject(value.skipped) || !Object.values(value.skipped).every((n) => Number.isSafeInteger(n))) return null;
  const isExamples = (e: unknown) => isObject(e) && Object.values(e).every((l) => Array.isArray(l) && l.every((s) => typeof s === 'string'));
  if (!isExamples(value.examples)) return null;
  if (value.captions !== undefined && !(isObject(value.captions) && Object.values(value.captions).every((n) => Number.isSafeInteger(n)))) return null;
  if (value.captionExamples !== undefined && !isExamples(value.captionExamples)) return null;
  return value as unknown as UnitSummary;
}

/** A finished unit, or null when it has not finished (or its file was damaged: then it is redone). */
export async function readUnit(out: string, unit: string): Promise<FinishedUnit | null> {
  const file = unitFile(out, unit);
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile() || stat.size > MAX_UNIT_BYTES) return null;
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  try {
    const summary = parseSummary(JSON.parse(lines[0] ?? 'null'));
    const entries = lines.slice(1).map((l) => parseEntry(JSON.parse(l)));
    if (summary === null || entries.some((e) => e === null) || entries.length !== summary.images) return null;
    return { summary, entries: entries as UnitEntry[] };
  } catch {
    return null;
  }
}

// The imported folder's manifest: for each image, the record a scan of the folder gives (width, height,
// sha256, the perceptual hash, size and mtime, an embedded description as alt-text), then its caption from
// its source as ground truth (`alt`, source "parquet" or "webdataset") and where it came from
// (`source_file` and `source_row` or `source_key`, fields the manifest keeps as they are).
//
// The records come from the units: the import probed each image from the bytes it wrote, exactly as a
// scan probes a file, so the folder is not read again; each unit's records go into the manifest as the
// unit finishes (or is adopted from an earlier run), so that at the end there is only the save. A folder
// that already has a manifest (an import run again after it finished, perhaps captioned since), or a unit
// without records (an earlier release's, or one that cannot be read), is scanned into its manifest
// instead, which keeps every caption in it and re-reads only what changed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME, type AltText, type ManifestRecord } from '../../shared/record.js';
import { ManifestStore } from '../dataset/manifest-store.js';
import { scanDataset } from '../dataset/scan.js';
import { ImportError, throwIfCancelled } from './import-errors.js';
import { readUnit, type FinishedUnit, type UnitEntry } from './import-state.js';
import type { ImportFormat } from './source-files.js';

export interface ManifestOutcome {
  manifest: string;
  records: number;
  warnings: string[];
}

export interface ManifestOptions {
  signal?: AbortSignal;
  phash?: boolean;
  /** Records done of `total`. */
  onProgress?: (done: number, total: number) => void;
}

function withSource(record: ManifestRecord, entry: UnitEntry, format: ImportFormat): ManifestRecord {
  // An unchanged caption keeps its alt object as it is (with its alignment score, if it has one).
  const alt: AltText | null = entry.alt === null ? record.alt : record.alt?.text === entry.alt && record.alt.source === format ? record.alt : { text: entry.alt, source: format };
  const next: ManifestRecord = { ...record, alt, source_file: entry.source_file };
  if (entry.source_row !== undefined) next.source_row = entry.source_row;
  if (entry.source_key !== undefined) next.source_key = entry.source_key;
  return next;
}

function changed(a: ManifestRecord, b: ManifestRecord): boolean {
  return a.alt !== b.alt || a.source_file !== b.source_file || a.source_row !== b.source_row || a.source_key !== b.source_key;
}

/** The manifest built from the units' records as they come, while nothing says a scan is needed instead. */
export class UnitManifest {
  private readonly store: ManifestStore;
  private usable = true;

  private constructor(
    out: string,
    private readonly format: ImportFormat,
  ) {
    this.store = ManifestStore.fromText(out, '');
  }

  /** A builder for `out`, or null when the folder has a manifest already (it is scanned into, keeping what it holds). */
  static async for(out: string, format: ImportFormat): Promise<UnitManifest | null> {
    return (await fs.lstat(path.join(out, MANIFEST_NAME)).catch(() => null)) ? null : new UnitManifest(out, format);
  }

  /** A unit's records; null: a unit that could not be read. */
  add(finished: FinishedUnit | null): void {
    if (!this.usable) return;
    if (!finished || finished.entries.some((e) => !e.scanned)) {
      this.usable = false;
      return;
    }
    for (const entry of finished.entries) this.store.put(withSource(entry.scanned!, entry, this.format));
  }

  /** The store to save, or null when a unit could not give its records. */
  get result(): ManifestStore | null {
    return this.usable ? this.store : null;
  }
}

/** The manifest by a scan of the folder into the one there, with each unit's caption and source. */
async function byScan(out: string, units: readonly string[], format: ImportFormat, options: ManifestOptions): Promise<ManifestOutcome> {
  const { store, report } = await scanDataset(out, { save: false, phash: options.phash, signal: options.signal, onProgress: options.onProgress });
  if (report.cancelled) {
    // What was scanned is kept: the next run re-reads only what is not in the manifest yet.
    await store.save();
    throw new ImportError('cancelled', 'import cancelled while building the manifest; run the same import again to finish it');
  }
  for (const unit of units) {
    const finished = await readUnit(out, unit);
    for (const entry of finished?.entries ?? []) {
      const record = store.get(entry.file_name);
      if (!record) continue;
      const next = withSource(record, entry, format);
      if (changed(record, next)) store.put(next);
    }
  }
  if (store.isDirty || !(await fs.stat(store.manifestPath).catch(() => null))) await store.save();
  return { manifest: store.manifestPath, records: store.size, warnings: report.warnings };
}

/** Saves the manifest `built` from the units, or (null) scans the folder into its manifest. */
export async function writeImportManifest(out: string, units: readonly string[], format: ImportFormat, built: UnitManifest | null, options: ManifestOptions): Promise<ManifestOutcome> {
  const store = built?.result;
  if (!store) return byScan(out, units, format, options);
  throwIfCancelled(options.signal);
  await store.save();
  options.onProgress?.(store.size, store.size);
  return { manifest: store.manifestPath, records: store.size, warnings: [] };
}

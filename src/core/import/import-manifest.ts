// The imported folder's manifest, built the way every dataset's is: a scan of the folder (so width,
// height, sha256 and the perceptual hash are what a scan gives), then each image's caption from its
// source as ground truth (`alt`, source "parquet" or "webdataset") and where it came from (`source_file`
// and `source_row` or `source_key`, fields the manifest keeps as they are).
import { promises as fs } from 'node:fs';
import type { AltText, ManifestRecord } from '../../shared/record.js';
import { scanDataset } from '../dataset/scan.js';
import { ImportError } from './import-errors.js';
import { readUnit, type UnitEntry } from './import-state.js';
import type { ImportFormat } from './source-files.js';

export interface ManifestOutcome {
  manifest: string;
  records: number;
  warnings: string[];
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

export async function writeImportManifest(
  out: string,
  units: readonly string[],
  format: ImportFormat,
  options: { signal?: AbortSignal; phash?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ManifestOutcome> {
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

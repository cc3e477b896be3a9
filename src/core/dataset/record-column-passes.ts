// The index's columns that depend on the other records, filled by one pass over them when asked for: the
// defect flags (each record's own, then against the dataset's thresholds) and the duplicate marks.
import type { ManifestRecord } from '../../shared/record.js';
import { DefectCounter } from './defect-counter.js';
import { DuplicateFinder } from './duplicates.js';
import type { IndexedManifest } from './indexed-manifest.js';
import type { ManifestIndex } from './manifest-index.js';
import type { RecordColumns } from './record-columns.js';

/** Records passed over between two turns of the event loop: a few milliseconds of work. */
const PASS_BLOCK = 1000;

/**
 * Gives every record of the index to `add`, a block at a time so the caller's event loop keeps turning, and
 * returns the index with what `start` made of it. Starts over with a fresh `start()` when the index changes
 * under it. Null when the columns are `ready` already, or the manifest was closed or `signal` aborted meanwhile.
 */
async function passOverRecords<P>(
  manifest: IndexedManifest,
  ready: (columns: RecordColumns) => boolean,
  start: () => P,
  add: (pass: P, record: ManifestRecord) => void,
  signal?: AbortSignal,
): Promise<{ index: ManifestIndex; pass: P } | null> {
  for (;;) {
    manifest.settle();
    const index = manifest.index;
    if (ready(index.columns)) return null;
    const hadSource = manifest.source !== null;
    const pass = start();
    let rows = 0;
    for (const record of manifest.records()) {
      add(pass, record);
      if (++rows % PASS_BLOCK !== 0) continue;
      await new Promise((resolve) => setImmediate(resolve));
      // Closed meanwhile (the editor went, or the file was reloaded into a new store): nothing to finish.
      if (signal?.aborted || (hadSource && manifest.source === null)) return null;
      if (manifest.index !== index) break;
    }
    // The index changed under the pass: start over on the new one.
    if (manifest.index === index) return { index, pass };
  }
}

/**
 * Marks the records in a duplicate group (same sha256, or perceptual hashes within the default distance)
 * in the index, in one pass over the records. Idempotent.
 */
export async function computeDuplicates(manifest: IndexedManifest): Promise<void> {
  const done = await passOverRecords(
    manifest,
    (columns) => columns.duplicatesReady,
    () => new DuplicateFinder(),
    (finder, record) => finder.add({ fileName: record.file_name, sha256: record.sha256, phash: record.phash }),
  );
  if (!done) return;
  const rows: number[] = [];
  for (const group of done.pass.groups()) for (const name of group.members) rows.push(manifest.rowOf(name));
  done.index.columns.markDuplicates(rows);
}

/**
 * Fills the index's defect-flag column in one pass: each record's own flags, lengths and scores (about 50
 * bytes a record, for the pass only), then the dataset's fences and low-score cuts, then every row's bits.
 * Idempotent.
 */
export async function computeDefects(manifest: IndexedManifest, signal?: AbortSignal): Promise<void> {
  const done = await passOverRecords(manifest, (columns) => columns.defectsReady, () => new DefectCounter(), (counter, record) => counter.add(record), signal);
  if (!done) return;
  const { index, pass: counter } = done;
  const thresholds = counter.thresholds();
  const bits = counter.bits(thresholds);
  for (let row = 0; row < bits.length; row++) index.columns.setDefects(row, bits[row]!);
  index.columns.defectsComputed(thresholds);
}

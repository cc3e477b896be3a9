// Scan a dataset folder into its manifest: adds new images, re-reads changed ones, marks vanished ones
// (keeping their captions), and imports ground truth. Never touches a caption.
import { promises as fs } from 'node:fs';
import { emptyRecord, type AltText, type ManifestRecord } from '../../shared/record.js';
import { ManifestStore } from './manifest-store.js';
import type { ManifestAccess } from './manifest-access.js';
import { walkDataset } from './walk.js';
import { probeImage, type ImageProbe } from './image-probe.js';
import { applyProbe } from './probe-record.js';
import { readMetadataFile, readSidecar } from './ground-truth.js';
import { mapConcurrent } from '../util/map-concurrent.js';

export interface ScanOptions {
  exclude?: readonly string[];
  /** Images over this many bytes are refused with an error on their record (default 1 GiB). */
  maxBytes?: number;
  /** Follow symbolic links out of the dataset folder (images, sidecars, metadata files); off by default. */
  followExternalLinks?: boolean;
  maxPixels?: number;
  /** Re-hash every image even when its size and mtime are unchanged. */
  rehash?: boolean;
  /** Record a perceptual hash per image (default true; see ProbeOptions.phash for its cost). */
  phash?: boolean;
  /** Images probed at once (file reads and sharp decodes). */
  concurrency?: number;
  /** Save the manifest every this many ms during a long scan, and at the end (default 10 s). */
  checkpointMs?: number;
  /** false: leave saving to the caller (e.g. an editor holding unsaved edits). */
  save?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ScanReport {
  images: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Records whose image is gone (captions kept, record marked `missing`). */
  missing: number;
  errors: number;
  altImported: number;
  warnings: string[];
  cancelled: boolean;
}

function sameAlt(a: AltText | null, b: AltText | null): boolean {
  return a?.text === b?.text && a?.source === b?.source;
}

/** The fields a scan writes; a record whose fields are all unchanged is left as it is (nothing to save). */
const SCAN_FIELDS = ['width', 'height', 'sha256', 'phash', 'bytes', 'mtime_ms', 'error', 'missing', 'stale'] as const;

function scanFieldsChanged(before: ManifestRecord, after: ManifestRecord): boolean {
  return SCAN_FIELDS.some((key) => before[key] !== after[key]) || !sameAlt(before.alt, after.alt);
}

/** Scans into the folder's manifest file, or into `existing` (an open editor's model of it). */
export function scanDataset(folder: string, options?: ScanOptions): Promise<{ store: ManifestStore; report: ScanReport }>;
export function scanDataset<S extends ManifestAccess>(folder: string, options: ScanOptions, existing: S): Promise<{ store: S; report: ScanReport }>;
export async function scanDataset(
  folder: string,
  options: ScanOptions = {},
  existing?: ManifestAccess,
): Promise<{ store: ManifestAccess; report: ScanReport }> {
  const store: ManifestAccess = existing ?? (await ManifestStore.open(folder));
  const walk = await walkDataset(folder, { exclude: options.exclude ?? [], followExternalLinks: options.followExternalLinks === true });
  const report: ScanReport = {
    images: walk.images.length, added: 0, changed: 0, unchanged: 0, missing: 0, errors: 0, altImported: 0,
    warnings: [...walk.warnings], cancelled: false,
  };

  // Ground truth from metadata files: shallower files first, so a subfolder's own file wins for its images.
  const metadataAlt = new Map<string, AltText>();
  const metadataFiles = [...walk.metadataFiles].sort((a, b) => a.rel.split('/').length - b.rel.split('/').length);
  for (const file of metadataFiles) {
    const { captions, warnings } = await readMetadataFile(file);
    report.warnings.push(...warnings);
    for (const [rel, alt] of captions) metadataAlt.set(rel, alt);
  }

  const checkpointMs = options.checkpointMs ?? 10_000;
  let lastCheckpoint = performance.now();
  let done = 0;
  const shouldSave = options.save !== false;

  // An image whose manifest line cannot be read keeps that line (written back verbatim); a fresh record
  // beside it would make two lines for one image, so it is left out until the line is fixed.
  const unreadable = new Map<string, number>();
  for (const p of store.problems) if (p.fileName !== undefined && !store.get(p.fileName)) unreadable.set(p.fileName, p.line);
  const images = walk.images.filter((image) => {
    const line = unreadable.get(image.rel);
    if (line === undefined) return true;
    report.warnings.push(`skipped ${image.rel}: its line ${line} in ${store.fileName} cannot be read; fix or delete that line and scan again`);
    return false;
  });
  report.images = images.length;

  await mapConcurrent(images, options.concurrency ?? 4, async (image) => {
    if (options.signal?.aborted) {
      report.cancelled = true;
      return;
    }
    const key = image.rel.replace(/\.[^./]+$/, '');
    const sidecar = walk.sidecars.get(key);
    const previous = store.get(image.rel);
    const record: ManifestRecord = previous ? { ...previous } : emptyRecord(image.rel);
    delete record.missing;

    const stat = await fs.stat(image.abs).catch(() => null);
    const unchanged =
      !options.rehash && previous !== undefined && stat !== null && previous.sha256 !== null && previous.error === null &&
      previous.bytes === stat.size && previous.mtime_ms === Math.trunc(stat.mtimeMs) &&
      // Records from before perceptual hashes get one on their next scan.
      (previous.phash !== undefined || options.phash === false);
    let embedded: AltText | null = null;
    if (unchanged) {
      report.unchanged++;
    } else {
      const probe = await probeImage(image.abs, { maxPixels: options.maxPixels, maxBytes: options.maxBytes, phash: options.phash }).catch(
        (err: NodeJS.ErrnoException): ImageProbe => ({
          bytes: stat?.size ?? 0, mtimeMs: Math.trunc(stat?.mtimeMs ?? 0), sha256: null, phash: null, width: null, height: null, embedded: null,
          error: `cannot read file: ${err.code === 'EACCES' ? 'permission denied' : err.message}`,
        }),
      );
      const outcome = applyProbe(record, probe);
      embedded = probe.embedded;
      if (!previous) report.added++;
      else if (outcome === 'changed') report.changed++;
      else report.unchanged++;
    }
    if (record.error) report.errors++;

    let alt: AltText | null = null;
    if (sidecar) {
      const read = await readSidecar(sidecar);
      if (read.warning) report.warnings.push(read.warning);
      alt = read.alt;
    }
    alt ??= metadataAlt.get(image.rel) ?? embedded;
    // A ground-truth source that disappeared keeps the alt-text it gave: nothing is lost by a re-scan.
    if (alt && !sameAlt(alt, record.alt)) {
      record.alt = alt;
      report.altImported++;
    }

    if (!previous || scanFieldsChanged(previous, record)) store.put(record);

    done++;
    options.onProgress?.(done, images.length);
    if (shouldSave && performance.now() - lastCheckpoint > checkpointMs) {
      lastCheckpoint = performance.now();
      await store.save();
    }
  });

  const found = new Set(walk.images.map((i) => i.rel));
  if (!report.cancelled) {
    for (const record of store.records()) {
      if (found.has(record.file_name)) continue;
      report.missing++;
      if (!record.missing) store.put({ ...record, missing: true });
    }
  }
  if (shouldSave && (store.isDirty || !(await fs.stat(store.manifestPath).catch(() => null)))) await store.save();
  return { store, report };
}

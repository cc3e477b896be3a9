// Records as an editor's webview shows them: the fields it draws, its defect flags, and the URIs it may
// load. The host supplies a RecordViewer (how a file becomes a URI the webview may load, and where the
// thumbnails are); the session builds the views through it.
import * as path from 'node:path';
import { flagsOfBits } from '../../shared/defect-flags.js';
import type { ManifestRecord } from '../../shared/record.js';
import type { RecordView } from '../../shared/record-view.js';
import { defectBitsOf, type DatasetThresholds } from '../dataset/defect-bits.js';

/** What the host gives an editor's session to show records in its webview. */
export interface RecordViewer {
  /** The URI the webview loads a local file by. */
  uriOf(file: string): string;
  /** A thumbnail's file if it is known to be made, else null (asks the disk nothing it need not). */
  cachedThumbnail(record: ManifestRecord): Promise<string | null>;
  /** Makes (once) a record's thumbnail; its file, or null when the image cannot be read. */
  thumbnail(record: ManifestRecord): Promise<string | null>;
}

/** `record` (at manifest position `index`) as the webview shows it, with its thumbnail if it is made. */
export async function viewOf(viewer: RecordViewer, folder: string, thresholds: DatasetThresholds | null, record: ManifestRecord, index: number): Promise<RecordView> {
  const thumb = await viewer.cachedThumbnail(record);
  return {
    fileName: record.file_name,
    index,
    width: record.width,
    height: record.height,
    alt: record.alt,
    ssc: record.ssc,
    dsc: record.dsc,
    error: record.error,
    missing: record.missing === true,
    image: viewer.uriOf(path.join(folder, ...record.file_name.split('/'))),
    thumb: thumb ? viewer.uriOf(thumb) : null,
    flags: flagsOfBits(defectBitsOf(record, thresholds)),
  };
}

/** URIs of the records' thumbnails, made where missing; null for a record unknown or unreadable. */
export async function thumbnailsOf(viewer: RecordViewer, fileNames: readonly string[], get: (fileName: string) => ManifestRecord | undefined): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  await Promise.all(
    fileNames.map(async (name) => {
      const record = get(name);
      const file = record ? await viewer.thumbnail(record) : null;
      out[name] = file ? viewer.uriOf(file) : null;
    }),
  );
  return out;
}

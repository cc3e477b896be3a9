// A hot-exit backup of an open manifest: only the unsaved edits (the overlay's captions and the review
// layer's reviews), never the whole file. Read back on top of the manifest as it is then.
import type { OverlayEntry } from './overlay.js';
import type { UnsavedReview } from './layered-records.js';

interface BackupFile {
  format: 'recaption-backup/2';
  manifest: string;
  captions: OverlayEntry[];
  /** Unsaved reviews from bulk reviews (absent in backups of earlier releases). */
  reviews?: UnsavedReview[];
}

export interface UnsavedEdits {
  captions: OverlayEntry[];
  reviews: UnsavedReview[];
}

/** The backup's text for `manifest` (a URI or path, for the reader's eyes). */
export function backupText(manifest: string, edits: UnsavedEdits): string {
  const body: BackupFile = { format: 'recaption-backup/2', manifest, captions: edits.captions, reviews: edits.reviews };
  return JSON.stringify(body);
}

/** The unsaved edits a backup holds; the model checks each entry as it restores it. */
export function readBackup(text: string, file: string): UnsavedEdits {
  const body = JSON.parse(text) as Partial<BackupFile> & { format?: string };
  // recaption-backup/1 (earlier releases) held the same snapshots under the same field.
  if (body.format !== 'recaption-backup/2' && body.format !== 'recaption-backup/1') throw new Error(`unknown backup format in ${file}`);
  return { captions: Array.isArray(body.captions) ? body.captions : [], reviews: Array.isArray(body.reviews) ? body.reviews : [] };
}

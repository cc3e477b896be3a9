// What the import worker hands back to the import: rows (Parquet) and samples (WebDataset) decoded and
// bounded, image bytes in one transferred buffer per batch. The worker decodes; the import sniffs and
// writes the images and builds the manifest.
import type { CaptionValue } from './caption-policy.js';
import type { SkipReason } from './image-format.js';

/**
 * A row's image: its bytes (with their sha256 once the worker has packed them: hashed there, off the
 * import's thread), a path beside the Parquet file to read them from, or why there is none.
 */
export type RowImage = { bytes: Uint8Array; sha256?: string } | { path: string } | { skip: SkipReason; detail?: string };

export interface DecodedRow {
  image: RowImage;
  caption: CaptionValue;
  /** A WebDataset sample's key. */
  key?: string;
}

export interface RowBatch {
  rows: DecodedRow[];
  /** The position of the batch's first row in its row group (Parquet) or shard (WebDataset). */
  first: number;
  /** The index of its row group (Parquet): a batch never spans two. */
  group?: number;
  /** Bytes of the shard read so far (WebDataset). */
  position?: number;
}

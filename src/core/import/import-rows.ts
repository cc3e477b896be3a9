// What the import worker hands back to the import: rows (Parquet) and samples (WebDataset) decoded and
// bounded, image bytes in one transferred buffer per batch. The worker decodes; the import sniffs and
// writes the images and builds the manifest.
import type { CaptionValue } from './caption-policy.js';
import type { SkipReason } from './image-format.js';

/** A row's image: its bytes, a path beside the Parquet file to read them from, or why there is none. */
export type RowImage = { bytes: Uint8Array } | { path: string } | { skip: SkipReason; detail?: string };

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
  /** Bytes of the shard read so far (WebDataset). */
  position?: number;
}

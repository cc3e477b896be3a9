// The manifest record: one line of recaption.jsonl. This is a public contract (README "Manifest format"):
// the field names below are relied on by the editor, the exporters and outside tools. Unknown fields are
// preserved on load and save, so other tools may add their own.

export const MANIFEST_NAME = 'recaption.jsonl';

export type CaptionKind = 'ssc' | 'dsc';
export const CAPTION_KINDS: readonly CaptionKind[] = ['ssc', 'dsc'];

/** A record's texts: the alt-text and the two captions (what the habit report and the scores compare). */
export type TextSource = 'alt' | CaptionKind;
export const TEXT_SOURCES: readonly TextSource[] = ['alt', 'ssc', 'dsc'];

/** Who wrote a caption. `model` and `upsample` are machine authors; `human` and `import` are not. */
export type CaptionAuthor = 'model' | 'human' | 'import' | 'upsample';
export const CAPTION_AUTHORS: readonly CaptionAuthor[] = ['model', 'human', 'import', 'upsample'];

export type ReviewState = 'approved' | 'rejected' | null;

export interface Caption {
  text: string;
  by: CaptionAuthor;
  /** The model (or endpoint/model) that wrote it, or that wrote the text a human then edited. */
  model?: string;
  /** ISO time of the last write. */
  at?: string;
  review: ReviewState;
  /** For a human edit of a machine caption: the machine's text before the edit. */
  original?: string;
  /** Why generation ended: the end-of-sequence token, or the token limit (a caption likely cut short). */
  finish?: CaptionFinish;
  /** Alignment of this text with the image by `score_model` (CLIP-family cosine); cleared when the text changes. */
  score?: number;
}

export type CaptionFinish = 'eos' | 'length';
export const CAPTION_FINISHES: readonly CaptionFinish[] = ['eos', 'length'];

/** Where a piece of ground truth came from. */
export type AltSource = 'sidecar' | 'metadata.jsonl' | 'metadata.csv' | 'exif' | 'xmp' | 'iptc' | 'parquet' | 'webdataset';

export interface AltText {
  text: string;
  source: AltSource;
  /** As Caption.score. */
  score?: number;
}

export interface ManifestRecord {
  /** Path relative to the dataset folder, POSIX separators. The record's key. */
  file_name: string;
  /** Displayed size (EXIF orientation applied); null when the image could not be read. */
  width: number | null;
  height: number | null;
  sha256: string | null;
  alt: AltText | null;
  ssc: Caption | null;
  dsc: Caption | null;
  error: string | null;
  /** File size and mtime at the last scan: a re-scan re-hashes only files whose size or mtime moved. */
  bytes?: number;
  mtime_ms?: number;
  /** Set when a re-scan no longer finds the image. Its captions are kept. */
  missing?: boolean;
  /** Set when the image's content changed after it was captioned: machine captions are due again. */
  stale?: boolean;
  /** The model that scored this record's texts (see Caption.score). */
  score_model?: string;
  /** Drawn into the audit sample (`recaption audit`): its review measures the unreviewed rest. */
  audit?: boolean;
  /** 64-bit perceptual hash of the image, 16 hex digits (near-duplicate detection). */
  phash?: string;
  /** Fields written by other tools, kept as they are. */
  [extra: string]: unknown;
}

export function isMachineAuthor(by: CaptionAuthor): boolean {
  return by === 'model' || by === 'upsample';
}

/** A caption that a machine must not replace without an explicit override: human-written or reviewed. */
export function isProtectedCaption(caption: Caption | null): boolean {
  return caption !== null && (caption.by === 'human' || caption.review !== null);
}

export function emptyRecord(fileName: string): ManifestRecord {
  return { file_name: fileName, width: null, height: null, sha256: null, alt: null, ssc: null, dsc: null, error: null };
}

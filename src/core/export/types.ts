// The vocabulary of an export: what the caller asks for, what each sample is, and what came out.
import type { CaptionAuthor, ManifestRecord, TextSource } from '../../shared/record.js';
import type { ReasonTally } from '../util/reason-tally.js';

/** ssc / dsc: captioner fine-tuning phases 1 and 2. t2i: text-to-image blend of DSC and ground truth. */
export type ExportProfile = 'ssc' | 'dsc' | 't2i';
export const EXPORT_PROFILES: readonly ExportProfile[] = ['ssc', 'dsc', 't2i'];

export type ExportFormat = 'hf' | 'parquet' | 'sidecar' | 'webdataset' | 'llava' | 'openai';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['hf', 'parquet', 'sidecar', 'webdataset', 'llava', 'openai'];

/** Parquet shards are cut at about this many bytes (the size the Hugging Face datasets library pushes by default). */
export const DEFAULT_PARQUET_SHARD_MB = 500;
/** WebDataset samples per .tar shard. */
export const DEFAULT_WEBDATASET_SHARD_SIZE = 1000;
/** t2i: the probability that an image's training caption is its DSC rather than its alt-text. */
export const DEFAULT_T2I_RATIO = 0.95;
/** Share of images in the validation split. */
export const DEFAULT_VALIDATION_SHARE = 0.05;

/** approved: only reviewed-and-approved captions. unrejected: everything a person has not rejected. */
export type ExportSelection = 'approved' | 'unrejected';
export const EXPORT_SELECTIONS: readonly ExportSelection[] = ['approved', 'unrejected'];
/** What an export takes when the user does not choose, for every profile, in the CLI and the extension:
 *  only what a person approved (an unreviewed caption is a machine's guess). */
export const DEFAULT_EXPORT_SELECTION: ExportSelection = 'approved';

/** copy the image files, hard-link them (copy where a link cannot be made), or write captions only. */
export type ImageMode = 'copy' | 'link' | 'none';
export const IMAGE_MODES: readonly ImageMode[] = ['copy', 'link', 'none'];
export const DEFAULT_IMAGE_MODE: ImageMode = 'copy';

export type Split = 'train' | 'validation';
export const SPLITS: readonly Split[] = ['train', 'validation'];

/** Which text became the training caption. */
export type CaptionSource = TextSource;

export type SkipReason =
  | 'error'
  | 'missing-file'
  | 'stale'
  | 'no-caption'
  | 'rejected'
  | 'not-approved'
  | 'unsafe-file-name'
  | 'unreadable-file'
  /** The image, or a folder above it, is a link that leads outside the dataset folder (not followed unless asked). */
  | 'outside-dataset'
  | 'name-collision'
  /** --dedup: another image of its duplicate group went out. */
  | 'duplicate';

/** One image with the caption chosen for it and the split it falls in. */
export interface ExportSample {
  fileName: string;
  /**
   * The chosen text as the manifest holds it. Writers clean it as they write it (cleanCaptionText,
   * cleanCaptionJson): manifests written by hand or by older releases may carry control characters.
   */
  caption: string;
  source: CaptionSource;
  /** Who wrote the chosen caption; null for the alt-text (ground truth has a source, not an author). */
  by: CaptionAuthor | null;
  /** The chosen text's alignment score, where one was computed. */
  score: number | null;
  /** --lines: every text of the requested kinds that may go out, in the requested order (sidecar only). */
  lines: string[] | null;
  split: Split;
  /** The image facts a format writes beside the caption (not the whole record: a plan may hold millions). */
  image: Pick<ManifestRecord, 'width' | 'height' | 'sha256'>;
}

export interface ExportProgress {
  /** writing: the samples; finishing: the dataset card; committing: moving the finished export into place. */
  phase: 'writing' | 'finishing' | 'committing';
  done: number;
  total: number;
  fileName?: string;
}

/** A caption's score as a sample carries it: a finite number, else none (a manifest may hold anything). */
export function sampleScore(score: unknown): number | null {
  return typeof score === 'number' && Number.isFinite(score) ? score : null;
}

/** Skipped images by reason, with the first few file names of each. */
export type SkipTally = ReasonTally<SkipReason>;

/** Images per caption source, in one split. */
export type SourceCounts = Partial<Record<CaptionSource, number>>;

/** What export.json holds: enough to know exactly how an export was made and to redo it. */
export interface ExportRecord {
  tool: 'recaption';
  record_version: 1;
  created_at: string;
  dataset: string;
  manifest: string;
  /** sha256 of the manifest as exported (the store's serialization: recaption.jsonl as recaption saves it). */
  manifest_sha256: string;
  /** Manifest lines that are not valid records; never exported. */
  manifest_problems: number;
  profile: ExportProfile;
  format: ExportFormat;
  ratio: number | null;
  seed: number;
  validation: number;
  select: ExportSelection;
  images: ImageMode;
  shard_size: number | null;
  /** Parquet: the size in bytes past which a shard is cut. */
  shard_bytes: number | null;
  /** Sidecar --lines: the kinds of text written one per line, or null for one caption. */
  lines: TextSource[] | null;
  license: string | null;
  prompt: string | null;
  /** Duplicate groups found (exact and near; each kept in one split), the distance, and whether one per group went out. */
  duplicate_groups: number;
  near_distance: number;
  dedup: boolean;
  /** How many images the export was limited to (an editor's selection), or null for the whole dataset. */
  only: number | null;
  counts: Record<Split, number> & { total: number };
  caption_sources: Record<Split, SourceCounts>;
  /** t2i: images whose draw picked the alt-text but that have none, so the DSC went out instead. */
  alt_fallback: number | null;
  skipped: Partial<Record<SkipReason, number>>;
  skipped_total: number;
  skipped_examples: Partial<Record<SkipReason, string[]>>;
  /** Where image paths in the output are relative to. */
  image_root: string;
  notes: string[];
  /** Top-level files and folders this export wrote (an export forced into the same folder replaces them). */
  outputs: string[];
  /** Whether images leading outside the dataset folder were exported (the user's choice). */
  follow_external_links: boolean;
  /** About how many of the manifest's records the dataset card measured in full (a seeded sample of more); null: every exported record. */
  card_sample: number | null;
  /** sha256 of the dataset, its manifest and every setting: the same export run again is recognised by it. */
  settings_sha256: string;
}

/** A refusal or bad setting, with a message meant for the user as it is. */
export class ExportError extends Error {
  override name = 'ExportError';
  constructor(
    message: string,
    readonly code: 'out-inside-dataset' | 'out-not-empty' | 'out-not-folder' | 'out-unusable' | 'out-busy' | 'out-damaged' | 'bad-option' | 'cancelled',
  ) {
    super(message);
  }
}

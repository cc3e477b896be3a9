// Export Fine-Tune Set: plan (which images, which caption, which split), write the format with the images
// and export.json into a folder beside the output folder, then put it in place whole (output-folder.ts).
import type { ManifestStore } from '../dataset/manifest-store.js';
import type { ManifestRecord, TextSource } from '../../shared/record.js';
import { createWriter } from './formats/index.js';
import { ImagePlacer } from './image-placer.js';
import { DestinationNames } from './destination-names.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EXPORT_RECORD_NAME, commitOutput, discardOutput, prepareOutput } from './output-folder.js';
import { DatasetFolder } from '../dataset/dataset-file.js';
import { writeFully } from '../util/write-fully.js';
import { settingsFingerprint } from './settings-fingerprint.js';
import { ExportPlanner } from './plan.js';
import { cardFactsOf, licenseProblem, writeDatasetCard } from './dataset-card.js';
import { cardLayout } from './card-layout.js';
import { RECAPTION_VERSION } from '../../shared/version.js';
import { DEFAULT_NEAR_DISTANCE, duplicateGroupsOf, groupKeys, nearDistanceProblem } from '../dataset/duplicates.js';
import {
  DEFAULT_EXPORT_SELECTION,
  DEFAULT_IMAGE_MODE,
  DEFAULT_PARQUET_SHARD_MB,
  DEFAULT_T2I_RATIO,
  DEFAULT_VALIDATION_SHARE,
  DEFAULT_WEBDATASET_SHARD_SIZE,
  ExportError,
  type ExportFormat,
  type ExportProfile,
  type ExportProgress,
  type ExportRecord,
  type ExportSample,
  type ExportSelection,
  type ImageMode,
  type SkipReason,
  type SourceCounts,
  type Split,
} from './types.js';

export interface ExportOptions {
  store: ManifestStore;
  out: string;
  profile: ExportProfile;
  format: ExportFormat;
  /** t2i: probability of the DSC over the alt-text. Default DEFAULT_T2I_RATIO. */
  ratio?: number;
  seed?: number;
  /** Share of images in the validation split. Default DEFAULT_VALIDATION_SHARE. */
  validation?: number;
  /** Default DEFAULT_EXPORT_SELECTION. */
  select?: ExportSelection;
  /** Default DEFAULT_IMAGE_MODE. */
  images?: ImageMode;
  /** WebDataset samples per shard. Default DEFAULT_WEBDATASET_SHARD_SIZE. */
  shardSize?: number;
  /** Parquet: shards are cut once they pass this many MB. Default DEFAULT_PARQUET_SHARD_MB. */
  shardMb?: number;
  /** Sidecar: write these kinds of text, one per line, instead of the one caption (kohya / OneTrainer pick a line per step). */
  lines?: readonly TextSource[];
  /** A license identifier the Hub knows, for the dataset card; none when not given. */
  license?: string;
  /** The dataset card's title; "<dataset folder>: <profile> export" when not given. */
  title?: string;
  /** Write into a non-empty folder or one inside the dataset. */
  force?: boolean;
  /** One image per duplicate group (exact or near); default false. Groups always share a split. */
  dedup?: boolean;
  /** Hamming distance of perceptual hashes that counts as a near duplicate (default DEFAULT_NEAR_DISTANCE). */
  nearDistance?: number;
  /** Instruction text for LLaVA and OpenAI chat; a default per profile otherwise. */
  prompt?: string;
  /** Only these images (the editor's multi-selection); the whole dataset otherwise. */
  only?: ReadonlySet<string>;
  /**
   * Export images that are links (or sit in folders that are links) leading outside the dataset folder.
   * Off by default: they are skipped as outside-dataset and named in `warnings`. The user's choice, as for
   * the scan (--follow-external-links, recaption.followExternalLinks), never the dataset's.
   */
  followExternalLinks?: boolean;
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
}

export interface ExportResult {
  out: string;
  record: ExportRecord;
  /** What had to be tidied in the output folder first (an interrupted export finished, leftovers removed). */
  notices: string[];
  /** Images refused because they lead outside the dataset folder, each named (the first 20, then a count). */
  warnings: string[];
}

export const DEFAULT_PROMPTS: Record<ExportProfile, string> = {
  ssc: 'Write a short caption for this image.',
  dsc: 'Describe this image in detail.',
  t2i: 'Describe this image.',
};

const BATCH = 32;

function checkOptions(o: Required<Pick<ExportOptions, 'ratio' | 'seed' | 'validation' | 'shardSize' | 'shardMb'>>): void {
  if (!(o.ratio >= 0 && o.ratio <= 1)) throw new ExportError(`ratio must be between 0 and 1, got ${o.ratio}`, 'bad-option');
  if (!(o.validation >= 0 && o.validation < 1)) throw new ExportError(`validation share must be in [0, 1), got ${o.validation}`, 'bad-option');
  if (!Number.isSafeInteger(o.seed)) throw new ExportError(`seed must be an integer, got ${o.seed}`, 'bad-option');
  if (!Number.isInteger(o.shardSize) || o.shardSize < 1) throw new ExportError(`shard size must be a positive integer, got ${o.shardSize}`, 'bad-option');
  if (!Number.isInteger(o.shardMb) || o.shardMb < 1) throw new ExportError(`Parquet shard size must be a positive number of MB, got ${o.shardMb}`, 'bad-option');
}

/** Options that only one format understands, refused elsewhere rather than ignored. */
function checkFormatOptions(format: ExportFormat, images: ImageMode, lines: readonly TextSource[] | undefined, license: string | undefined): void {
  const badLicense = license === undefined ? null : licenseProblem(license);
  if (badLicense) throw new ExportError(badLicense, 'bad-option');
  if (format === 'parquet' && images === 'link') {
    throw new ExportError('Parquet embeds the images (copy) or refers to them by file_name (none); there is nothing to link', 'bad-option');
  }
  if (lines !== undefined && format !== 'sidecar') {
    throw new ExportError(`several captions per image, one per line, are a sidecar layout; the ${format} format takes one caption per image`, 'bad-option');
  }
  if (lines !== undefined && (lines.length === 0 || new Set(lines).size !== lines.length)) {
    throw new ExportError('--lines needs one or more of alt, ssc, dsc, each once', 'bad-option');
  }
}

function imageRoot(format: ExportFormat, images: ImageMode, dataset: string): string {
  if (images === 'none') return dataset;
  switch (format) {
    case 'hf':
    case 'sidecar':
      return 'the split folder (train/ or validation/)';
    case 'webdataset':
    case 'parquet':
      return 'inside the shards';
    case 'llava':
      return 'images';
    case 'openai':
      return '.';
  }
}

/** The planner's samples in batches of up to `size`, with how many records each batch read. */
function* sampleBatches(records: Iterable<ManifestRecord>, planner: ExportPlanner, size: number): Generator<{ batch: ExportSample[]; read: number }> {
  let batch: ExportSample[] = [];
  let read = 0;
  for (const record of records) {
    read++;
    const sample = planner.decide(record);
    if (sample) batch.push(sample);
    if (batch.length >= size) {
      yield { batch, read };
      batch = [];
      read = 0;
    }
  }
  yield { batch, read };
}

function* exportedRecords(records: Iterable<ManifestRecord>, names: ReadonlySet<string>): Generator<ManifestRecord> {
  for (const record of records) if (names.has(record.file_name)) yield record;
}

function cancelled(out: string): ExportError {
  return new ExportError(`export cancelled; nothing was written to ${out}`, 'cancelled');
}

/** export.json, written into the finished build last, with fsync: its presence marks a whole export. */
async function writeRecord(folder: string, record: ExportRecord): Promise<void> {
  const file = path.join(folder, EXPORT_RECORD_NAME);
  const handle = await fs.open(file, 'wx', 0o644);
  try {
    await writeFully(handle, JSON.stringify(record, null, 2) + '\n', file);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exportFineTuneSet(options: ExportOptions): Promise<ExportResult> {
  const settings = {
    ratio: options.ratio ?? DEFAULT_T2I_RATIO,
    seed: options.seed ?? 0,
    validation: options.validation ?? DEFAULT_VALIDATION_SHARE,
    shardSize: options.shardSize ?? DEFAULT_WEBDATASET_SHARD_SIZE,
    shardMb: options.shardMb ?? DEFAULT_PARQUET_SHARD_MB,
  };
  checkOptions(settings);
  const select = options.select ?? DEFAULT_EXPORT_SELECTION;
  const images = options.images ?? DEFAULT_IMAGE_MODE;
  checkFormatOptions(options.format, images, options.lines, options.license);
  const prompt = options.prompt ?? DEFAULT_PROMPTS[options.profile];
  const { store, signal } = options;
  if (signal?.aborted) throw cancelled(options.out);

  // Duplicate groups first (one pass over the hashes): a group's split is its first member's, so a
  // near-identical image can never be in train while its twin is in validation.
  const nearDistance = options.nearDistance ?? DEFAULT_NEAR_DISTANCE;
  const distanceProblem = nearDistanceProblem(nearDistance);
  if (distanceProblem) throw new ExportError(distanceProblem, 'bad-option');
  const groupList = duplicateGroupsOf(store.records(), nearDistance);
  const plan = new ExportPlanner({ profile: options.profile, select, ...settings, groups: groupKeys(groupList), dedup: options.dedup === true, only: options.only, lines: options.lines });
  const followExternalLinks = options.followExternalLinks === true;
  const files = await DatasetFolder.open(store.folder, { followExternalLinks });
  const manifestSha256 = store.sha256();
  // Everything that decides the content, as export.json records it.
  const recorded = {
    profile: options.profile,
    format: options.format,
    ratio: options.profile === 't2i' ? settings.ratio : null,
    seed: settings.seed,
    validation: settings.validation,
    select,
    images,
    shard_size: options.format === 'webdataset' ? settings.shardSize : null,
    shard_bytes: options.format === 'parquet' ? settings.shardMb * 1024 * 1024 : null,
    lines: options.lines ? [...options.lines] : null,
    license: options.license ?? null,
    title: options.title ?? null,
    prompt: options.format === 'llava' || options.format === 'openai' ? prompt : null,
    near_distance: nearDistance,
    dedup: options.dedup === true,
    follow_external_links: followExternalLinks,
  };
  const fingerprint = settingsFingerprint({ dataset: files.realRoot, manifestSha256, settings: recorded, only: options.only ?? null });
  const prepared = await prepareOutput(store.folder, options.out, options.format, options.force === true, fingerprint);
  if (!('staging' in prepared)) {
    return { out: prepared.out, record: JSON.parse(prepared.record) as ExportRecord, notices: prepared.notices, warnings: [] };
  }
  const writer = createWriter(options.format, {
    root: prepared.staging,
    images,
    prompt,
    shardSize: settings.shardSize,
    parquetShardBytes: settings.shardMb * 1024 * 1024,
    lines: options.lines !== undefined,
  });
  const placer = new ImagePlacer(files, prepared.staging, images);
  const placesFiles = !writer.inlineImages && images !== 'none';
  const imageNames = new DestinationNames();
  const counts: Record<Split, number> = { train: 0, validation: 0 };
  // The card describes what went out, never texts of images left out (a pushed card is public).
  const exported = new Set<string>();
  const sources: Record<Split, SourceCounts> = { train: {}, validation: {} };
  // Progress counts records read: the manifest is streamed through the planner, a batch at a time.
  const total = store.size;
  let done = 0;
  try {
    for (const { batch, read } of sampleBatches(store.records(), plan, BATCH)) {
      if (signal?.aborted) throw cancelled(prepared.out);
      done += read;
      if (batch.length === 0) continue;
      // Image files placed beside the captions are claimed too, folded as macOS and Windows compare names.
      const reserved = batch.map((sample) => writer.reserve(sample) ?? (placesFiles && !imageNames.claim(writer.imageDestination(sample)) ? 'name-collision' : null));
      // Images of a batch are read or placed concurrently; samples are written in order, so output is deterministic.
      const placed = await Promise.all(
        batch.map(async (sample, i): Promise<{ skip: SkipReason } | { bytes: Buffer | null }> => {
          const clash = reserved[i];
          if (clash) return { skip: clash };
          if (writer.inlineImages) {
            if (images === 'none') {
              const checked = await placer.check(sample.fileName);
              return 'skip' in checked ? checked : { bytes: null };
            }
            const bytes = await placer.read(sample.fileName);
            return Buffer.isBuffer(bytes) ? { bytes } : bytes;
          }
          const skip = await placer.place(sample.fileName, writer.imageDestination(sample));
          return skip ? { skip } : { bytes: null };
        }),
      );
      for (let i = 0; i < batch.length; i++) {
        const sample = batch[i]!;
        const result = placed[i]!;
        if ('skip' in result) {
          plan.skipped.add(result.skip, sample.fileName);
          continue;
        }
        await writer.add(sample, result.bytes);
        exported.add(sample.fileName);
        counts[sample.split]++;
        sources[sample.split][sample.source] = (sources[sample.split][sample.source] ?? 0) + 1;
      }
      options.onProgress?.({ phase: 'writing', done, total, fileName: batch[batch.length - 1]!.fileName });
    }
    await writer.close();
    if (signal?.aborted) throw cancelled(prepared.out);
    options.onProgress?.({ phase: 'finishing', done: total, total });

    const notes: string[] = [];
    if (placer.linkFallback) notes.push(placer.linkFallback);
    if (prepared.insideDataset) {
      notes.push('the output folder is inside the dataset: exclude it from scans');
    }
    const record: ExportRecord = {
      tool: 'recaption',
      record_version: 1,
      created_at: new Date().toISOString(),
      dataset: store.folder,
      manifest: store.fileName,
      manifest_sha256: manifestSha256,
      manifest_problems: store.problems.length,
      profile: recorded.profile,
      format: recorded.format,
      ratio: recorded.ratio,
      seed: recorded.seed,
      validation: recorded.validation,
      select,
      images,
      shard_size: recorded.shard_size,
      shard_bytes: recorded.shard_bytes,
      lines: recorded.lines,
      license: recorded.license,
      duplicate_groups: groupList.length,
      near_distance: nearDistance,
      dedup: recorded.dedup,
      only: options.only ? options.only.size : null,
      prompt: recorded.prompt,
      counts: { ...counts, total: counts.train + counts.validation },
      caption_sources: sources,
      alt_fallback: options.profile === 't2i' ? plan.altFallback : null,
      skipped: plan.skipped.counts,
      skipped_total: plan.skipped.total,
      skipped_examples: plan.skipped.examples,
      image_root: imageRoot(options.format, images, store.folder),
      notes,
      outputs: [],
      follow_external_links: followExternalLinks,
      settings_sha256: fingerprint,
    };
    // The card reads the exported records once more (review coverage, habits, the audit).
    const facts = await cardFactsOf(exportedRecords(store.records(), exported));
    if (signal?.aborted) throw cancelled(prepared.out);
    await writeDatasetCard(prepared.staging, {
      record,
      ...cardLayout(options.format, images),
      ...facts,
      license: options.license,
      title: options.title,
      recaptionVersion: RECAPTION_VERSION,
    });
    record.outputs = (await fs.readdir(prepared.staging)).sort();
    await writeRecord(prepared.staging, record);
    if (signal?.aborted) throw cancelled(prepared.out);
    options.onProgress?.({ phase: 'committing', done: total, total });
    await commitOutput(prepared);
    return { out: prepared.out, record, notices: prepared.notices, warnings: placer.refusedLinks.lines() };
  } catch (err) {
    await writer.abort().catch(() => undefined);
    await discardOutput(prepared).catch(() => undefined);
    throw err;
  }
}

export { EXPORT_RECORD_NAME };

// Export Fine-Tune Set: plan (which images, which caption, which split), write the format with the images
// and export.json into a folder beside the output folder, then put it in place whole (output-folder.ts).
// The records are read once, as they stream by (write-pass.ts), unless duplicate groups or a file out of
// name order ask for a second pass.
import type { TextSource } from '../../shared/record.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EXPORT_RECORD_NAME, commitOutput, discardOutput, prepareOutput } from './output-folder.js';
import { DatasetFolder } from '../dataset/dataset-file.js';
import { ManifestChangedError } from '../dataset/line-source.js';
import type { ManifestProblem } from '../dataset/manifest-codec.js';
import { ManifestOrderError } from '../dataset/manifest-record-stream.js';
import { writeFully } from '../util/write-fully.js';
import { settingsFingerprint } from './settings-fingerprint.js';
import { licenseProblem, writeDatasetCard } from './dataset-card.js';
import { DEFAULT_CARD_SAMPLE } from './card/card-facts.js';
import { cardLayout } from './card-layout.js';
import { RECAPTION_VERSION } from '../../shared/version.js';
import { DEFAULT_NEAR_DISTANCE, groupKeys, nearDistanceProblem, type DuplicateGroup } from '../dataset/duplicates.js';
import { manifestSha256, openPass, type ExportManifest, type RecordPass } from './export-source.js';
import { StreamedGroups } from './streamed-groups.js';
import { syncTree } from './sync-tree.js';
import { cancelled, writePass, type PassResult, type PassSetup } from './write-pass.js';
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
  type ExportSelection,
  type ImageMode,
} from './types.js';

export interface ExportOptions {
  /** The dataset's manifest: an open store (exported with its unsaved changes), or its file, read once as it streams by. */
  store: ExportManifest;
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
  /**
   * About how many records the dataset card measures in full: a manifest of more has a seeded sample of
   * them measured (every text is still counted, and so are duplicates); null measures every record.
   * Default DEFAULT_CARD_SAMPLE.
   */
  cardSample?: number | null;
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
  /** Lines of the manifest that are not records (not exported). */
  problems: readonly ManifestProblem[];
}

export const DEFAULT_PROMPTS: Record<ExportProfile, string> = {
  ssc: 'Write a short caption for this image.',
  dsc: 'Describe this image in detail.',
  t2i: 'Describe this image.',
};

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

/** Closes a pass and empties the build folder, for a pass over the records again. */
async function restart(staging: string, records: RecordPass): Promise<void> {
  records.close();
  for (const name of await fs.readdir(staging)) await fs.rm(path.join(staging, name), { recursive: true, force: true });
}

/**
 * The export's pass over the records, duplicate groups found as they stream by (a group's split and --dedup
 * follow its first member, which comes first); again, with the groups known in full, when a later record
 * joined groups that earlier records were judged by; and again through an index for a file out of name
 * order. `opened` holds the pass open last, for the caller to close.
 */
async function passes(
  manifest: ExportManifest,
  nearDistance: number,
  staging: string,
  write: (groups: PassSetup['groups'], records: RecordPass) => Promise<PassResult>,
  opened: { records: RecordPass | null },
): Promise<{ pass: PassResult; groupList: DuplicateGroup[]; records: RecordPass }> {
  for (let indexed = false; ; indexed = true) {
    const records = (opened.records = await openPass(manifest, indexed));
    const streamed = new StreamedGroups(nearDistance);
    const pass = await write(streamed, records).catch((err: unknown) => {
      if (indexed || !(err instanceof ManifestOrderError)) throw err;
      return null;
    });
    if (pass === null) {
      await restart(staging, records);
      continue;
    }
    const groupList = streamed.groups();
    if (streamed.judgedAsWhole()) return { pass, groupList, records };
    const first = await records.sha256();
    await restart(staging, records);
    const again = (opened.records = await openPass(manifest, indexed));
    const whole = await write(groupKeys(groupList), again);
    if ((await again.sha256()) !== first) throw new ManifestChangedError(`${manifest.fileName} changed while it was exported; export again`);
    return { pass: whole, groupList, records: again };
  }
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
  const { store: manifest, signal } = options;
  if (signal?.aborted) throw cancelled(options.out);
  const nearDistance = options.nearDistance ?? DEFAULT_NEAR_DISTANCE;
  const distanceProblem = nearDistanceProblem(nearDistance);
  if (distanceProblem) throw new ExportError(distanceProblem, 'bad-option');
  const cardSample = options.cardSample === undefined ? DEFAULT_CARD_SAMPLE : options.cardSample;
  if (cardSample !== null && !(Number.isSafeInteger(cardSample) && cardSample > 0)) {
    throw new ExportError(`the card's sample must be a positive whole number of records, or every record, not ${cardSample}`, 'bad-option');
  }
  const followExternalLinks = options.followExternalLinks === true;
  const files = await DatasetFolder.open(manifest.folder, { followExternalLinks });
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
    card_sample: cardSample,
  };
  const fingerprintOf = (manifestSha256: string) => settingsFingerprint({ dataset: files.realRoot, manifestSha256, settings: recorded, only: options.only ?? null });
  // The manifest's hash is known once the pass has read it; it is needed before only to recognise this
  // very export already in the output folder.
  const prepared = await prepareOutput(manifest.folder, options.out, options.format, options.force === true, async () => fingerprintOf(await manifestSha256(manifest)));
  if (!('staging' in prepared)) {
    return { out: prepared.out, record: JSON.parse(prepared.record) as ExportRecord, notices: prepared.notices, warnings: [], problems: [] };
  }
  const setup = (groups: PassSetup['groups']): PassSetup => ({
    format: options.format,
    writer: {
      root: prepared.staging,
      images,
      prompt,
      shardSize: settings.shardSize,
      parquetShardBytes: settings.shardMb * 1024 * 1024,
      lines: options.lines !== undefined,
    },
    files,
    plan: { profile: options.profile, select, ...settings, dedup: options.dedup === true, only: options.only, lines: options.lines },
    groups,
    cardSample: cardSample === null ? null : { seed: settings.seed, records: cardSample },
    out: prepared.out,
    signal,
    onProgress: options.onProgress,
  });
  const opened: { records: RecordPass | null } = { records: null };
  try {
    const { pass, groupList, records } = await passes(manifest, nearDistance, prepared.staging, (groups, over) => writePass(setup(groups), over), opened);
    if (signal?.aborted) throw cancelled(prepared.out);
    const total = records.progress().total;
    options.onProgress?.({ phase: 'finishing', done: total, total });
    const manifestSha256 = await records.sha256();
    const problems = records.problems();

    const notes: string[] = [];
    if (pass.linkFallback) notes.push(pass.linkFallback);
    if (prepared.insideDataset) {
      notes.push('the output folder is inside the dataset: exclude it from scans');
    }
    const record: ExportRecord = {
      tool: 'recaption',
      record_version: 1,
      created_at: new Date().toISOString(),
      dataset: manifest.folder,
      manifest: manifest.fileName,
      manifest_sha256: manifestSha256,
      manifest_problems: problems.length,
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
      counts: { ...pass.counts, total: pass.counts.train + pass.counts.validation },
      caption_sources: pass.sources,
      alt_fallback: options.profile === 't2i' ? pass.altFallback : null,
      skipped: pass.skipped.counts,
      skipped_total: pass.skipped.total,
      skipped_examples: pass.skipped.examples,
      image_root: imageRoot(options.format, images, manifest.folder),
      notes,
      outputs: [],
      follow_external_links: followExternalLinks,
      card_sample: cardSample,
      settings_sha256: fingerprintOf(manifestSha256),
    };
    if (signal?.aborted) throw cancelled(prepared.out);
    await writeDatasetCard(prepared.staging, {
      record,
      ...cardLayout(options.format, images),
      ...pass.facts,
      license: options.license,
      title: options.title,
      recaptionVersion: RECAPTION_VERSION,
    });
    record.outputs = (await fs.readdir(prepared.staging)).sort();
    // Files written one per sample were not synced one by one: all at once now, before export.json marks the build whole.
    if (pass.filePerSample) await syncTree(prepared.staging);
    await writeRecord(prepared.staging, record);
    if (signal?.aborted) throw cancelled(prepared.out);
    options.onProgress?.({ phase: 'committing', done: total, total });
    await commitOutput(prepared);
    return { out: prepared.out, record, notices: prepared.notices, warnings: pass.refusedLinks, problems };
  } catch (err) {
    await discardOutput(prepared).catch(() => undefined);
    throw err;
  } finally {
    opened.records?.close();
  }
}

export { EXPORT_RECORD_NAME };

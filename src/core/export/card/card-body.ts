// The card's account of the export: what the dataset is, how it was made, what is in each split, how
// much of it people reviewed, what was left out, and where it came from. Every value from the user or the
// dataset goes through markdownText; the rest are numbers and this file's own words.
import { EXPORT_RECORD_NAME } from '../output-names.js';
import { SPLITS, type CaptionSource, type ExportFormat, type ExportProfile, type ExportRecord, type ExportSelection, type ImageMode, type SkipReason } from '../types.js';
import { CAPTION_KINDS } from '../../../shared/record.js';
import { SOURCE_TITLES } from '../../analysis/length-plot-svg.js';
import type { ReviewCoverage } from './card-types.js';
import { markdownTable, markdownText } from './markdown-text.js';

const PROFILE_TEXT: Readonly<Record<ExportProfile, string>> = {
  ssc: 'captioner fine-tuning, phase 1: each image with its short synthetic caption (SSC), the main subject only',
  dsc: 'captioner fine-tuning, phase 2: each image with its descriptive synthetic caption (DSC): the subject with its surroundings, background, text in the image, style and colour',
  t2i: 'text-to-image training: each image with its descriptive synthetic caption (DSC) or its original alt-text, drawn per image',
};

const FORMAT_TEXT: Readonly<Record<ExportFormat, string>> = {
  hf: 'Hugging Face imagefolder: `train/` and `validation/`, each with its images and a `metadata.jsonl`',
  parquet: 'Parquet shards in the Hub’s layout, `data/<split>-NNNNN-of-NNNNN.parquet`',
  sidecar: 'images with a `.txt` caption file beside each, in `train/` and `validation/`',
  webdataset: 'WebDataset `.tar` shards per split',
  llava: 'LLaVA conversation JSON, one file per split',
  openai: 'OpenAI-style chat JSONL, one file per split',
};

const SELECTION_TEXT: Readonly<Record<ExportSelection, string>> = {
  approved: 'only captions a person approved',
  unrejected: 'every caption a person did not reject, unreviewed machine captions included',
};

const IMAGES_TEXT: Readonly<Record<ImageMode, string>> = {
  copy: 'copied into the export',
  link: 'hard-linked into the export (copied where a link could not be made)',
  none: 'not included: captions only, with paths relative to the source dataset',
};

const SOURCE_ORDER: readonly CaptionSource[] = ['dsc', 'ssc', 'alt'];

/** Every skip reason with what it means, in the order the card lists them. */
const SKIP_TEXT: Readonly<Record<SkipReason, string>> = {
  'not-approved': 'caption not approved yet',
  rejected: 'caption rejected by a person',
  'no-caption': 'no caption of the kind this profile needs',
  error: 'image could not be read when captioned',
  'missing-file': 'image no longer in the dataset folder',
  stale: 'image changed after it was captioned',
  'unreadable-file': 'image could not be read when exported',
  'outside-dataset': 'image is a link to a file outside the dataset folder',
  'unsafe-file-name': 'file name unsafe to write',
  'name-collision': 'file name clashes with another (as macOS and Windows compare names)',
  duplicate: 'another image of its duplicate group went out',
};

/** "1 image", "2 images". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const percent = (x: number) => `${+(x * 100).toFixed(2)}%`;
const share = (n: number, total: number) => (total === 0 ? '–' : `${((n / total) * 100).toFixed(1)}%`);

/** The last part of a path, Windows or POSIX: the card names the dataset folder, never where it lived. */
function folderName(folder: string): string {
  const parts = folder.split(/[\\/]+/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? folder;
}

/** Our own machine-made values (times, hashes, versions) shown as they are when they look as they should. */
function plainOr(value: string, shape: RegExp): string {
  return shape.test(value) ? value : markdownText(value);
}

/** As plainOr, in a code span; an odd value is escaped text instead (a code span shows references literally). */
function codeOr(value: string, shape: RegExp): string {
  return shape.test(value) ? `\`${value}\`` : markdownText(value);
}

export function cardTitle(record: ExportRecord, title: string | undefined): string {
  return title !== undefined && title.trim() !== '' ? title : `${folderName(record.dataset)}: ${record.profile.toUpperCase()} export`;
}

export function introSection(record: ExportRecord, title: string, version: string): string[] {
  return [
    `# ${markdownText(title)}`,
    '',
    `Images paired with captions for ${PROFILE_TEXT[record.profile]}. ` +
      `${record.counts.total} images (${record.counts.train} train, ${record.counts.validation} validation), exported by ` +
      `Recaption ${plainOr(version, /^[\w.+-]+$/)} from the dataset folder “${markdownText(folderName(record.dataset))}”.`,
    '',
  ];
}

function blendLines(record: ExportRecord): string[] {
  if (record.profile !== 't2i' || record.ratio === null) return [];
  const lines = [
    `Each image's caption is its DSC with probability ${record.ratio} and its original alt-text otherwise, drawn per image from the seed, so the same settings give the same blend. ` +
      'This follows the DALL-E 3 report (Betker et al., “Improving Image Generation with Better Captions”, 2023), which trains on a mix of 95% synthetic and 5% original captions: ' +
      'the synthetic captions teach the model to follow detailed prompts, the original ones keep it from expecting the captioner’s style in every prompt.',
  ];
  if (record.alt_fallback) lines.push('', `${count(record.alt_fallback, 'image')} drew the alt-text but had none; the DSC went out instead.`);
  return [...lines, ''];
}

export function howMadeSection(record: ExportRecord, version: string, license: string | undefined): string[] {
  const rows: [string, string][] = [
    ['Recaption version', plainOr(version, /^[\w.+-]+$/)],
    ['profile', `\`${record.profile}\`: ${PROFILE_TEXT[record.profile]}`],
    ['format', `\`${record.format}\`: ${FORMAT_TEXT[record.format]}`],
    ['selection', `\`${record.select}\`: ${SELECTION_TEXT[record.select]}`],
    ['seed', String(record.seed)],
    ['validation share', `${percent(record.validation)} of images, by a seeded hash of the file name (an image never changes split as the dataset grows)`],
  ];
  if (record.ratio !== null) rows.push(['blend ratio', `${percent(record.ratio)} DSC, ${percent(1 - record.ratio)} alt-text`]);
  rows.push(['images', IMAGES_TEXT[record.images]]);
  if (record.shard_size !== null) rows.push(['shard size', `${record.shard_size} samples`]);
  if (record.shard_bytes !== null) rows.push(['shard size', `cut past ${+(record.shard_bytes / 2 ** 20).toFixed(1)} MiB`]);
  if (record.lines !== null) rows.push(['caption lines', `one per line: ${record.lines.map((s) => SOURCE_TITLES[s]).join(', ')}`]);
  if (record.prompt !== null) rows.push(['prompt', `“${markdownText(record.prompt)}”`]);
  if (record.only !== null) rows.push(['limited to', `a selection of ${record.only} images`]);
  rows.push(['license', license === undefined ? 'not set' : `\`${markdownText(license)}\``]);
  return ['## How it was made', '', markdownTable(['setting', 'value'], rows), '', ...blendLines(record)];
}

export function splitsSection(record: ExportRecord): string[] {
  const sources = SOURCE_ORDER.filter((s) => SPLITS.some((split) => (record.caption_sources[split][s] ?? 0) > 0));
  const cell = (n: number, total: number) => `${n} (${share(n, total)})`;
  const rows = SPLITS.map((split) => [
    split,
    String(record.counts[split]),
    ...sources.map((s) => cell(record.caption_sources[split][s] ?? 0, record.counts[split])),
  ]);
  const totals = sources.map((s) => SPLITS.reduce((sum, split) => sum + (record.caption_sources[split][s] ?? 0), 0));
  rows.push(['**total**', `**${record.counts.total}**`, ...totals.map((n) => cell(n, record.counts.total))]);
  return [
    '## Splits and caption sources',
    '',
    'Which text became each image’s caption: SSC and DSC are synthetic captions (reviewed as the selection says), alt-text is the image’s original caption.',
    '',
    markdownTable(['split', 'images', ...sources.map((s) => SOURCE_TITLES[s])], rows, ['l', 'r', ...sources.map(() => 'r' as const)]),
    '',
  ];
}

export function reviewSection(review: ReviewCoverage): string[] {
  const rows = CAPTION_KINDS.map((kind) => {
    const t = review[kind];
    const total = t.approved + t.rejected + t.unreviewed;
    return [SOURCE_TITLES[kind], String(total), `${t.approved} (${share(t.approved, total)})`, `${t.rejected} (${share(t.rejected, total)})`, `${t.unreviewed} (${share(t.unreviewed, total)})`, `${t.human} (${share(t.human, total)})`];
  });
  return [
    '## Review coverage',
    '',
    'Captions of the exported images by review state (both kinds, whichever went out), and how many a person wrote or edited.',
    '',
    markdownTable(['caption', 'captions', 'approved', 'rejected', 'unreviewed', 'written or edited by a person'], rows, ['l', 'r', 'r', 'r', 'r', 'r']),
    '',
  ];
}

const EXAMPLES_SHOWN = 3;

export function leftOutSection(record: ExportRecord): string[] {
  const lines = ['## Duplicates and skipped images', ''];
  const groups = record.duplicate_groups;
  lines.push(
    groups === 0
      ? 'No duplicate images were found (same bytes, or perceptual hashes within a Hamming distance of ' + `${record.near_distance}).`
      : `${count(groups, 'duplicate group')} found (same bytes, or perceptual hashes within a Hamming distance of ${record.near_distance}); ` +
          `each group is kept within one split, so no image has a near twin on the other side. ` +
          (record.dedup ? 'One image per group was exported.' : 'Every image of a group was exported.'),
    '',
  );
  const reasons = (Object.keys(SKIP_TEXT) as SkipReason[]).filter((r) => (record.skipped[r] ?? 0) > 0);
  if (reasons.length === 0) {
    lines.push('No image was skipped.', '');
    return lines;
  }
  const rows = reasons.map((r) => [
    `\`${r}\``,
    SKIP_TEXT[r],
    String(record.skipped[r]),
    (record.skipped_examples[r] ?? []).slice(0, EXAMPLES_SHOWN).map(markdownText).join(', '),
  ]);
  lines.push(`${count(record.skipped_total, 'image')} skipped:`, '', markdownTable(['reason', 'meaning', 'images', 'for example'], rows, ['l', 'l', 'r', 'l']), '');
  return lines;
}

export function provenanceSection(record: ExportRecord): string[] {
  const lines = [
    '## Provenance',
    '',
    `- Manifest: “${markdownText(record.manifest)}”, sha256 ${codeOr(record.manifest_sha256, /^[0-9a-f]{64}$/)} (as exported).`,
  ];
  if (record.manifest_problems > 0) lines.push(`- Manifest lines that are not valid records, never exported: ${record.manifest_problems}.`);
  lines.push(`- Every setting and count above is in \`${EXPORT_RECORD_NAME}\` beside the data: the same settings on the same manifest give the same export.`);
  for (const note of record.notes) lines.push(`- Note: ${markdownText(note)}`);
  lines.push('');
  return lines;
}

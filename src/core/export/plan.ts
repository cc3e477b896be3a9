// Which records go out, with which caption, in which split. Pure: no file system, so the rules are easy
// to test and the decisions are the same for every format.
import type { Caption, ManifestRecord, TextSource } from '../../shared/record.js';
import { cleanCaptionText } from '../../shared/caption-text.js';
import { unsafeFileNameReason } from '../dataset/manifest-codec.js';
import { unitHasher } from '../util/seeded-hash.js';
import { ReasonTally } from '../util/reason-tally.js';
import {
  sampleScore,
  type CaptionSource,
  type ExportProfile,
  type ExportSample,
  type ExportSelection,
  type SkipReason,
  type SkipTally,
} from './types.js';

export interface PlanOptions {
  profile: ExportProfile;
  /** t2i only: probability of the DSC; otherwise the ground-truth alt-text. */
  ratio: number;
  seed: number;
  /** Share of images in the validation split. */
  validation: number;
  select: ExportSelection;
  /**
   * Duplicate groups: each grouped image's group key (its first member), or a lookup that knows them as the
   * records stream by. A group goes into one split, the one its key falls in, so near-identical images never
   * straddle train and validation.
   */
  groups?: ReadonlyMap<string, string> | GroupLookup;
  /** One image per duplicate group: the first of it (in manifest order) that can be exported. */
  dedup?: boolean;
  /**
   * Only these images (the editor's multi-selection); the others are out of scope, not skipped. Splits
   * and groups are decided as for the whole dataset, so an image lands in the same split either way.
   */
  only?: ReadonlySet<string>;
  /**
   * Sidecar --lines: the kinds of text each sample also carries as separate lines, in this order. Each
   * obeys `select` as the exported caption does (the alt-text is ground truth and needs no review).
   */
  lines?: readonly TextSource[];
}

/** Where the planner finds a record's duplicate group, and which groups already sent an image (--dedup). */
export interface GroupLookup {
  /** The key (first member) of the group `fileName` is in, or undefined when it is in none. */
  keyOf(fileName: string): string | undefined;
  /** --dedup: whether `fileName` may go out for its group (none of the group went out before); notes that it does. */
  claim(fileName: string, key: string | undefined): boolean;
}

/** The lookup of groups known in full beforehand: one image of a group goes out, the rest are duplicates. */
class KnownGroups implements GroupLookup {
  private readonly sent = new Set<string>();
  constructor(private readonly keys: ReadonlyMap<string, string>) {}

  keyOf(fileName: string): string | undefined {
    return this.keys.get(fileName);
  }

  claim(_fileName: string, key: string | undefined): boolean {
    if (key === undefined) return true;
    if (this.sent.has(key)) return false;
    this.sent.add(key);
    return true;
  }
}

export interface ExportPlan {
  samples: ExportSample[];
  skipped: SkipTally;
  /** t2i: images whose draw picked the alt-text but that have none, so they got the DSC. */
  altFallback: number;
}

/** Why this caption cannot be the one exported under `select`, or null when it can. */
function captionSkip(caption: Caption | null, select: ExportSelection): SkipReason | null {
  if (caption === null || caption.text.trim() === '') return 'no-caption';
  if (caption.review === 'rejected') return 'rejected';
  if (select === 'approved' && caption.review !== 'approved') return 'not-approved';
  return null;
}

function recordSkip(record: ManifestRecord): SkipReason | null {
  if (unsafeFileNameReason(record.file_name) !== null) return 'unsafe-file-name';
  if (record.error) return 'error';
  if (record.missing) return 'missing-file';
  // The image changed after it was captioned: its captions may describe another picture.
  if (record.stale) return 'stale';
  return null;
}

/**
 * Decides record by record which go out, with which caption, in which split, and tallies the rest: an
 * export streams the manifest through it and never holds the whole plan.
 */
export class ExportPlanner {
  readonly skipped: SkipTally = new ReasonTally<SkipReason>();
  /** t2i: images whose draw picked the alt-text but that have none, so they got the DSC. */
  altFallback = 0;
  private readonly kind: 'ssc' | 'dsc';
  private readonly groups: GroupLookup | null;
  private readonly blendDraw: (fileName: string) => number;
  private readonly splitDraw: (fileName: string) => number;

  constructor(private readonly options: PlanOptions) {
    const groups = options.groups;
    this.groups = groups === undefined ? null : 'claim' in groups ? groups : new KnownGroups(groups);
    this.blendDraw = unitHasher(options.seed, 'blend');
    this.splitDraw = unitHasher(options.seed, 'split');
    // The t2i blend's eligibility is decided by the DSC alone, so the set of exported images does not
    // depend on the seed: the draw only picks which of two texts an eligible image gets.
    this.kind = options.profile === 'ssc' ? 'ssc' : 'dsc';
  }

  /** The record's sample, or null when it is skipped (and tallied). */
  decide(record: ManifestRecord): ExportSample | null {
    const { options, kind } = this;
    if (options.only && !options.only.has(record.file_name)) return null;
    const group = this.groups?.keyOf(record.file_name);
    let reason = recordSkip(record) ?? captionSkip(record[kind], options.select);
    if (reason === null && options.dedup && this.groups && !this.groups.claim(record.file_name, group)) reason = 'duplicate';
    if (reason !== null) {
      this.skipped.add(reason, record.file_name);
      return null;
    }
    const chosen = record[kind]!;
    let caption = chosen.text;
    let source: CaptionSource = kind;
    let by: ExportSample['by'] = chosen.by;
    let score = chosen.score ?? null;
    if (options.profile === 't2i' && this.blendDraw(record.file_name) >= options.ratio) {
      const alt = record.alt?.text.trim() ?? '';
      if (alt === '') this.altFallback++;
      else {
        caption = record.alt!.text;
        source = 'alt';
        by = null;
        score = record.alt!.score ?? null;
      }
    }
    const split = this.splitDraw(group ?? record.file_name) < options.validation ? 'validation' : 'train';
    return {
      fileName: record.file_name,
      caption,
      source,
      by,
      score: sampleScore(score),
      lines: options.lines ? linesOf(record, options.lines, options.select) : null,
      split,
      image: { width: record.width, height: record.height, sha256: record.sha256 },
    };
  }
}

/** The texts of `kinds` that may go out under `select`, cleaned, each once. */
function linesOf(record: ManifestRecord, kinds: readonly TextSource[], select: ExportSelection): string[] {
  const lines: string[] = [];
  for (const kind of kinds) {
    const text = kind === 'alt' ? record.alt?.text : captionSkip(record[kind], select) === null ? record[kind]!.text : undefined;
    const clean = text === undefined ? '' : cleanCaptionText(text).trim();
    if (clean !== '' && !lines.includes(clean)) lines.push(clean);
  }
  return lines;
}

/** How many records an export would write (before checking the image files), counted as they stream by. */
export function countExportable(records: Iterable<ManifestRecord>, options: PlanOptions): number {
  const planner = new ExportPlanner(options);
  let count = 0;
  for (const record of records) if (planner.decide(record)) count++;
  return count;
}

/** The whole plan at once (for tests and small manifests; an export streams through ExportPlanner). */
export function planExport(records: Iterable<ManifestRecord>, options: PlanOptions): ExportPlan {
  const planner = new ExportPlanner(options);
  const samples: ExportSample[] = [];
  for (const record of records) {
    const sample = planner.decide(record);
    if (sample) samples.push(sample);
  }
  return { samples, skipped: planner.skipped, altFallback: planner.altFallback };
}

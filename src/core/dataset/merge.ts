// Folds shard manifests (shard.ts) into recaption.jsonl with the manifest's invariants:
// - a human caption (written or reviewed by a person) always wins over a machine one, whichever side has it;
// - two different human versions of one caption are a conflict: reported, never guessed; the main
//   manifest's version stays and the shard file is kept so the other version is not lost;
// - a reviewed caption beats the same caption unreviewed;
// - between two machine captions the newer one wins (a shard run is normally the newer);
// - records only in a shard are added; records only in the main manifest are kept.
// The scanner owns an image's facts (size, hash, alt-text): the main manifest's are kept, gaps filled from the shard.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CAPTION_KINDS, isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord } from '../../shared/record.js';
import { ManifestStore } from './manifest-store.js';
import { listShardManifests, type ShardFile } from './shard.js';
import { CaptionTooLongError } from '../limits.js';

export interface MergeConflict {
  fileName: string;
  kind: CaptionKind;
  /** The shard manifest holding the other version. */
  shardFile: string;
  kept: Caption;
  other: Caption;
}

export interface ShardMergeOutcome {
  fileName: string;
  records: number;
  added: number;
  updated: number;
  conflicts: number;
  /** Lines of the shard manifest that could not be read or merged (a caption over the limit); such a shard is never removed. */
  problems: string[];
  removed: boolean;
}

export interface MergeReport {
  shards: ShardMergeOutcome[];
  added: number;
  updated: number;
  conflicts: MergeConflict[];
  warnings: string[];
  /** Whether recaption.jsonl was written. */
  saved: boolean;
}

export interface MergeOptions {
  /** Keep shard files after a clean merge (default: remove them, so a stale shard is never merged again). */
  keepShards?: boolean;
  /** Report what a merge would do without writing or removing anything. */
  dryRun?: boolean;
  /** Merge these shard manifests (names at the folder's root) instead of every one found. */
  shardFiles?: readonly string[];
}

export type CaptionMerge =
  | { take: 'main' }
  | { take: 'shard' }
  | { take: 'main'; review: NonNullable<Caption['review']> }
  | { take: 'conflict' };

function sameCaption(a: Caption, b: Caption): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function time(caption: Caption): number {
  const t = caption.at ? Date.parse(caption.at) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Decides one caption slot. Pure: the rules of the file comment, in order. */
export function mergeCaption(main: Caption | null, shard: Caption | null): CaptionMerge {
  if (shard === null) return { take: 'main' };
  if (main === null) return { take: 'shard' };
  if (sameCaption(main, shard)) return { take: 'main' };
  const mainHuman = isProtectedCaption(main);
  const shardHuman = isProtectedCaption(shard);
  if (mainHuman && !shardHuman) return { take: 'main' };
  if (shardHuman && !mainHuman) return { take: 'shard' };
  if (mainHuman && shardHuman) {
    if (main.text !== shard.text) return { take: 'conflict' };
    // Same words: only the review may differ. A review beats none; two different reviews are a conflict.
    if (main.review === shard.review || shard.review === null) return { take: 'main' };
    if (main.review === null) return { take: 'main', review: shard.review };
    return { take: 'conflict' };
  }
  // Two machine captions: the newer one; on a tie the shard's, as the run being merged.
  return time(shard) >= time(main) ? { take: 'shard' } : { take: 'main' };
}

/** Merges one shard record into the main one (or adds it). Returns what changed and the conflicts. */
export function mergeRecord(
  main: ManifestRecord | undefined,
  shard: ManifestRecord,
): { record: ManifestRecord; changed: boolean; conflicts: CaptionKind[] } {
  if (!main) return { record: structuredClone(shard), changed: true, conflicts: [] };
  const record = structuredClone(main);
  const conflicts: CaptionKind[] = [];
  let tookFromShard = false;
  for (const kind of CAPTION_KINDS) {
    const decision = mergeCaption(main[kind], shard[kind]);
    if (decision.take === 'shard') {
      record[kind] = structuredClone(shard[kind]);
      tookFromShard = true;
    } else if (decision.take === 'conflict') {
      conflicts.push(kind);
    } else if ('review' in decision) {
      record[kind] = { ...record[kind]!, review: decision.review };
    }
  }
  // The shard job's outcome for this image (its error, and `stale` cleared by a fresh caption) comes with it.
  if (tookFromShard || conflicts.length === 0) record.error = shard.error;
  if (tookFromShard) {
    if (shard.stale) record.stale = true;
    else delete record.stale;
  }
  // Facts the scanner owns: keep the main manifest's, fill its gaps from the shard.
  for (const key of ['width', 'height', 'sha256', 'alt'] as const) {
    if (record[key] === null && shard[key] !== null) (record as Record<string, unknown>)[key] = structuredClone(shard[key]);
  }
  // Fields other tools added in the shard only.
  for (const [key, value] of Object.entries(shard)) {
    if (!(key in record) && value !== undefined && key !== 'stale') record[key] = structuredClone(value);
  }
  const changed = JSON.stringify(record) !== JSON.stringify(main);
  return { record, changed, conflicts };
}

/** Says which shards of a split are absent, and whether shard files of different splits are mixed. */
function checkSplits(files: readonly ShardFile[]): string[] {
  const warnings: string[] = [];
  const byCount = new Map<number, Set<number>>();
  for (const f of files) {
    const set = byCount.get(f.spec.count) ?? new Set<number>();
    set.add(f.spec.index);
    byCount.set(f.spec.count, set);
  }
  if (byCount.size > 1) {
    warnings.push(`shard files of different splits are present (${[...byCount.keys()].map((n) => `of ${n}`).join(', ')}); they are merged one after the other`);
  }
  for (const [count, indices] of byCount) {
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !indices.has(i));
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
      warnings.push(`shards ${shown} of ${count} have no manifest yet: their images keep what recaption.jsonl has (merge again when they finish)`);
    }
  }
  return warnings;
}

/**
 * Merges the folder's shard manifests into recaption.jsonl and saves it atomically. Run it after the shard
 * jobs have finished: a job still writing its shard would have its later captions left out.
 */
export async function mergeShards(folder: string, options: MergeOptions = {}): Promise<MergeReport> {
  const all = await listShardManifests(folder);
  let files = all;
  if (options.shardFiles) {
    const wanted = new Set(options.shardFiles.map((f) => path.basename(f)));
    files = all.filter((f) => wanted.has(f.fileName));
    const unknown = [...wanted].filter((w) => !files.some((f) => f.fileName === w));
    if (unknown.length > 0) throw new Error(`no shard manifest named ${unknown.join(', ')} in ${folder}`);
  }
  const report: MergeReport = { shards: [], added: 0, updated: 0, conflicts: [], warnings: checkSplits(files), saved: false };
  const main = await ManifestStore.open(folder);
  try {
    return await mergeInto(main, folder, files, report, options);
  } finally {
    main.close();
  }
}

/** Changed records a merge holds before it writes them to recaption.jsonl. */
const MERGE_CHECKPOINT_RECORDS = 100_000;

async function mergeInto(main: ManifestStore, folder: string, files: readonly ShardFile[], report: MergeReport, options: MergeOptions): Promise<MergeReport> {
  for (const file of files) {
    const shard = await ManifestStore.open(folder, file.fileName);
    const outcome: ShardMergeOutcome = {
      fileName: file.fileName,
      records: shard.size,
      added: 0,
      updated: 0,
      conflicts: 0,
      problems: shard.problems.map((p) => `line ${p.line}: ${p.message}`),
      removed: false,
    };
    for (const problem of outcome.problems) report.warnings.push(`${file.fileName} ${problem}; that line is not merged and the shard file is kept`);
    for (const record of shard.records()) {
      const before = main.get(record.file_name);
      const { record: merged, changed, conflicts } = mergeRecord(before, record);
      for (const kind of conflicts) {
        report.conflicts.push({ fileName: record.file_name, kind, shardFile: file.fileName, kept: structuredClone(before![kind]!), other: structuredClone(record[kind]!) });
      }
      outcome.conflicts += conflicts.length;
      if (!changed) continue;
      try {
        main.put(merged);
      } catch (err) {
        // A caption over the one length limit: that record stays in the shard, which is kept.
        if (!(err instanceof CaptionTooLongError)) throw err;
        outcome.problems.push(err.message);
        report.warnings.push(`${file.fileName}: ${err.message}; that record is not merged and the shard file is kept`);
        continue;
      }
      if (before) outcome.updated++;
      else outcome.added++;
      // A merge of a million records would hold them all until the save: write them out as they pile up.
      // Merging is idempotent, so a merge killed after a checkpoint is finished by running it again.
      if (!options.dryRun && main.heldRecords >= MERGE_CHECKPOINT_RECORDS) {
        await main.save();
        report.saved = true;
      }
    }
    shard.close();
    report.added += outcome.added;
    report.updated += outcome.updated;
    report.shards.push(outcome);
  }
  if (options.dryRun) return report;
  if (main.isDirty) {
    await main.save();
    report.saved = true;
  }
  if (!options.keepShards) {
    for (const outcome of report.shards) {
      // A shard with a conflict or an unreadable line still holds something the main manifest does not.
      if (outcome.conflicts > 0 || outcome.problems.length > 0) continue;
      await fs.rm(path.join(folder, outcome.fileName));
      outcome.removed = true;
    }
  }
  return report;
}

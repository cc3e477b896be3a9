// Sharded runs: N jobs (a Slurm array, N machines over a shared folder) each caption a deterministic 1/N
// of the images into their own shard manifest, so no two jobs ever write the same file. `merge` folds the
// shard manifests back into recaption.jsonl (merge.ts).
//
// Shards are numbered from 0: `--shard 0/8` ... `--shard 7/8`, which is what a Slurm array
// `--array=0-7` gives in $SLURM_ARRAY_TASK_ID. An image's shard is a hash of its file_name (its POSIX path
// inside the dataset), so it depends on nothing else: not the machine, the order of a folder listing, or
// which other images exist, and it never moves when the dataset grows.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { MANIFEST_NAME } from '../../shared/record.js';
import { ManifestStore } from './manifest-store.js';

export interface ShardSpec {
  /** 0-based: 0 <= index < count. */
  index: number;
  count: number;
}

export class ShardSpecError extends Error {
  override name = 'ShardSpecError';
}

/** The most shards a run may be split into: more would mean shard files of a handful of images. */
export const MAX_SHARDS = 9999;

/** Parses "i/N" (0-based i). */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardSpecError(`--shard takes i/N with 0 <= i < N (e.g. 0/8 ... 7/8), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new ShardSpecError(`the shard count N must be between 1 and ${MAX_SHARDS}, got ${count}`);
  if (index >= count) {
    throw new ShardSpecError(`shard index ${index} is out of range for ${count} shards: shards are numbered from 0, so use 0/${count} ... ${count - 1}/${count}`);
  }
  return { index, count };
}

/** The shard (0-based) an image belongs to among `count`: the first 48 bits of SHA-256(file_name), mod count. */
export function shardOf(fileName: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  const digest = createHash('sha256').update(fileName, 'utf8').digest();
  return digest.readUIntBE(0, 6) % count;
}

export function inShard(fileName: string, spec: ShardSpec): boolean {
  return shardOf(fileName, spec.count) === spec.index;
}

/** recaption.shard-0003-of-0008.jsonl: sorts by index, and names its own N so leftovers of another split stand out. */
export function shardManifestName(spec: ShardSpec): string {
  const pad = (n: number) => String(n).padStart(4, '0');
  return `recaption.shard-${pad(spec.index)}-of-${pad(spec.count)}.jsonl`;
}

const SHARD_FILE = /^recaption\.shard-(\d{4})-of-(\d{4})\.jsonl$/;

export function parseShardManifestName(fileName: string): ShardSpec | null {
  const m = SHARD_FILE.exec(fileName);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index < count ? { index, count } : null;
}

export interface ShardFile {
  fileName: string;
  spec: ShardSpec;
}

/** The shard manifests at the folder's root, in name order. */
export async function listShardManifests(folder: string): Promise<ShardFile[]> {
  const entries = await fs.readdir(folder, { withFileTypes: true });
  const found: ShardFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const spec = parseShardManifestName(entry.name);
    if (spec) found.push({ fileName: entry.name, spec });
  }
  return found.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}

/**
 * Opens this job's shard manifest and seeds it with the job's records from the main manifest, which it only
 * reads. A shard file left by an earlier, interrupted run of the same shard is resumed: its records win over
 * the main manifest's, so the captions it already has are not asked for again. Nothing is saved here.
 */
export async function openShardStore(folder: string, spec: ShardSpec, main?: ManifestStore): Promise<ManifestStore> {
  const source = main ?? (await ManifestStore.open(folder, MANIFEST_NAME));
  try {
    const shard = await ManifestStore.open(folder, shardManifestName(spec));
    for (const record of source.records()) {
      if (!inShard(record.file_name, spec) || shard.get(record.file_name)) continue;
      shard.put(structuredClone(record));
    }
    return shard;
  } finally {
    if (!main) source.close();
  }
}

// Duplicate groups: images with the same bytes (sha256) or perceptual hashes within a Hamming distance.
// Near pairs are found by multi-index hashing: split the 64 bits into distance + 1 chunks; two hashes
// within the distance agree exactly on at least one chunk (pigeonhole), so only hashes sharing a chunk
// value are compared. Groups are the connected components (near-duplicate is not transitive; a group is).
// Hashes are held as 32-bit halves in typed arrays, so a million images cost tens of MB, not objects.
import type { ManifestRecord } from '../../shared/record.js';

/** Default Hamming distance for "near": resized or recompressed copies move a few of the 64 bits. */
export const DEFAULT_NEAR_DISTANCE = 4;
/** Above this, chunks get so short that every hash shares one with every other: all pairs compared. */
export const MAX_NEAR_DISTANCE = 16;

/** What is wrong with a near-duplicate distance (from a user), or null. */
export function nearDistanceProblem(distance: number): string | null {
  return Number.isInteger(distance) && distance >= 0 && distance <= MAX_NEAR_DISTANCE ? null : `the near-duplicate distance must be a whole number from 0 to ${MAX_NEAR_DISTANCE}, not ${distance}`;
}

export interface HashedImage {
  fileName: string;
  sha256: string | null;
  phash?: string;
}

export interface DuplicateGroup {
  /** exact: every member has the same bytes; near: some differ. */
  kind: 'exact' | 'near';
  /** In manifest (name) order; the first is the group's key (its export split follows it). */
  members: string[];
}

class UnionFind {
  private readonly parent: Int32Array;

  constructor(size: number) {
    this.parent = Int32Array.from({ length: size }, (_, i) => i);
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    // Path compression: later finds are one step.
    while (this.parent[i] !== root) {
      const next = this.parent[i]!;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller index is the root: the root of a group is its first member in manifest order.
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** A growable pair of 32-bit columns: the high and low halves of 64-bit values. */
class Halves {
  high = new Uint32Array(1024);
  low = new Uint32Array(1024);

  set(row: number, hex: string): void {
    if (row >= this.high.length) {
      const size = Math.max(row + 1, this.high.length * 2);
      const high = new Uint32Array(size);
      high.set(this.high);
      const low = new Uint32Array(size);
      low.set(this.low);
      this.high = high;
      this.low = low;
    }
    this.high[row] = Number.parseInt(hex.slice(0, 8), 16);
    this.low[row] = Number.parseInt(hex.slice(8, 16), 16);
  }
}

/** The bits [from, to) of a 64-bit value held as halves (to - from ≤ 32), as a number. */
function bitsOf(high: number, low: number, from: number, to: number): number {
  let value = 0;
  for (let bit = from; bit < to; bit++) {
    const word = bit < 32 ? high : low;
    value = value * 2 + ((word >>> (31 - (bit % 32))) & 1);
  }
  return value;
}

const HEX16 = /^[0-9a-f]{16}/;

/**
 * Collects images one at a time (a manifest can stream by), then groups them. Bytes-identical images are
 * recognised by the first 64 bits of their sha256 (a false match among a million images: about 3 in 10⁸).
 */
export class DuplicateFinder {
  private readonly names: string[] = [];
  private readonly sha = new Halves();
  private readonly phash = new Halves();
  /** Per row: 1 has a sha256, 2 has a phash. */
  private has = new Uint8Array(1024);

  add(image: HashedImage): void {
    const row = this.names.length;
    this.names.push(image.fileName);
    if (row >= this.has.length) {
      const has = new Uint8Array(this.has.length * 2);
      has.set(this.has);
      this.has = has;
    }
    let flags = 0;
    const sha = image.sha256?.toLowerCase();
    if (sha && HEX16.test(sha)) {
      this.sha.set(row, sha);
      flags |= 1;
    }
    if (image.phash && HEX16.test(image.phash)) {
      this.phash.set(row, image.phash);
      flags |= 2;
    }
    this.has[row] = flags;
  }

  /** Unions the rows that have `flag` and the same 64-bit value, found by sorting (no map of a million keys). */
  private unionEqual(sets: UnionFind, flag: number, halves: Halves): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.names.length; r++) if (this.has[r]! & flag) rows.push(r);
    rows.sort((a, b) => halves.high[a]! - halves.high[b]! || halves.low[a]! - halves.low[b]! || a - b);
    const distinct: number[] = [];
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const previous = k > 0 ? rows[k - 1]! : -1;
      if (previous >= 0 && halves.high[previous] === halves.high[r] && halves.low[previous] === halves.low[r]) sets.union(previous, r);
      else distinct.push(r);
    }
    return distinct;
  }

  /** The groups of two or more, in manifest order of their first members. */
  groups(distance = DEFAULT_NEAR_DISTANCE): DuplicateGroup[] {
    const problem = nearDistanceProblem(distance);
    if (problem) throw new RangeError(problem);
    const count = this.names.length;
    const sets = new UnionFind(count);
    this.unionEqual(sets, 1, this.sha);
    // Identical perceptual hashes first: then each distinct hash is compared once, however many share it.
    const distinct = this.unionEqual(sets, 2, this.phash);
    const { high, low } = this.phash;
    if (distance > 0 && distinct.length > 1) {
      const chunks = distance + 1;
      for (let k = 0; k < chunks; k++) {
        const from = Math.floor((k * 64) / chunks);
        const to = Math.floor(((k + 1) * 64) / chunks);
        const buckets = new Map<number, number[]>();
        for (const r of distinct) {
          const key = bitsOf(high[r]!, low[r]!, from, to);
          const bucket = buckets.get(key);
          if (bucket) bucket.push(r);
          else buckets.set(key, [r]);
        }
        for (const bucket of buckets.values()) {
          for (let a = 0; a < bucket.length; a++) {
            const ra = bucket[a]!;
            for (let b = a + 1; b < bucket.length; b++) {
              const rb = bucket[b]!;
              if (popcount32(high[ra]! ^ high[rb]!) + popcount32(low[ra]! ^ low[rb]!) <= distance) sets.union(ra, rb);
            }
          }
        }
      }
    }
    const members = new Map<number, number[]>();
    for (let r = 0; r < count; r++) {
      // A root is its group's first row, so it is met before the rest of its group.
      const root = sets.find(r);
      if (root === r) continue;
      const list = members.get(root);
      if (list) list.push(r);
      else members.set(root, [root, r]);
    }
    const groups: DuplicateGroup[] = [];
    for (const [root, list] of [...members].sort((a, b) => a[0] - b[0])) {
      const exact = (this.has[root]! & 1) !== 0 && list.every((r) => (this.has[r]! & 1) !== 0 && this.sha.high[r] === this.sha.high[root] && this.sha.low[r] === this.sha.low[root]);
      groups.push({ kind: exact ? 'exact' : 'near', members: list.map((r) => this.names[r]!) });
    }
    return groups;
  }
}

/** The duplicate groups among `images` (given in manifest order), each with two or more members. */
export function findDuplicateGroups(images: Iterable<HashedImage>, distance = DEFAULT_NEAR_DISTANCE): DuplicateGroup[] {
  const finder = new DuplicateFinder();
  for (const image of images) finder.add(image);
  return finder.groups(distance);
}

/** The duplicate groups of a manifest's images that are there (missing ones are left out), in one pass. */
export function duplicateGroupsOf(records: Iterable<ManifestRecord>, distance = DEFAULT_NEAR_DISTANCE): DuplicateGroup[] {
  const finder = new DuplicateFinder();
  for (const r of records) if (!r.missing) finder.add({ fileName: r.file_name, sha256: r.sha256, phash: r.phash });
  return finder.groups(distance);
}

/** Each grouped image's group key (the group's first member), for splits and one-per-group exports. */
export function groupKeys(groups: readonly DuplicateGroup[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const group of groups) for (const name of group.members) keys.set(name, group.members[0]!);
  return keys;
}

// Duplicate groups: images with the same bytes (sha256) or perceptual hashes within a Hamming distance.
// Groups are the connected components (near-duplicate is not transitive; a group is), found as images come
// (DuplicateStream) so that a pass over a manifest can use the groups so far. Hashes are held as 32-bit
// halves in typed arrays, so a million images cost tens of MB, not objects.
import type { ManifestRecord } from '../../shared/record.js';
import { grown } from '../util/grown.js';
import { Utf8Column } from '../util/utf8-column.js';

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

/** A union-find over rows that grows as rows come; the root of a set is its smallest row (its first member). */
class GrowingUnionFind {
  private parent = new Int32Array(1024);

  add(row: number): void {
    if (row >= this.parent.length) this.parent = grown(this.parent, row + 1);
    this.parent[row] = row;
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
    // The smaller row is the root: the root of a group is its first member in manifest order.
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

  set(row: number, high: number, low: number): void {
    if (row >= this.high.length) {
      this.high = grown(this.high, row + 1);
      this.low = grown(this.low, row + 1);
    }
    this.high[row] = high;
    this.low[row] = low;
  }

  /**
   * Sets `row` to the 64-bit value of `hex`'s first 16 hex digits (upper case too with `anyCase`); false,
   * and nothing set, when they are not 16 hex digits. Read digit by digit: an export reads a million.
   */
  setHex(row: number, hex: string, anyCase: boolean): boolean {
    if (hex.length < 16) return false;
    let high = 0;
    let low = 0;
    for (let i = 0; i < 16; i++) {
      const digit = hexDigit(hex.charCodeAt(i), anyCase);
      if (digit < 0) return false;
      if (i < 8) high = high * 16 + digit;
      else low = low * 16 + digit;
    }
    this.set(row, high, low);
    return true;
  }
}

/**
 * The first row holding each 64-bit value (of a Halves): open addressing over typed arrays, so a million
 * values cost a few MB and no objects.
 */
class FirstRowTable {
  private slots = new Int32Array(1 << 10).fill(-1);
  private used = 0;

  constructor(private readonly values: Halves) {}

  private slotOf(high: number, low: number, slots: Int32Array): number {
    const mask = slots.length - 1;
    let slot = (Math.imul(high ^ Math.imul(low, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    for (;;) {
      const row = slots[slot]!;
      if (row < 0 || (this.values.high[row] === high && this.values.low[row] === low)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** The first row with `row`'s value, which becomes it when there is none yet. */
  firstOf(row: number): number {
    const high = this.values.high[row]!;
    const low = this.values.low[row]!;
    const slot = this.slotOf(high, low, this.slots);
    const first = this.slots[slot]!;
    if (first >= 0) return first;
    this.slots[slot] = row;
    if (++this.used * 2 > this.slots.length) this.rehash();
    return row;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (const row of this.slots) if (row >= 0) slots[this.slotOf(this.values.high[row]!, this.values.low[row]!, slots)] = row;
    this.slots = slots;
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

/** The value of a hex digit's code (a-f, or A-F too with `anyCase`), -1 for any other. */
function hexDigit(code: number, anyCase: boolean): number {
  if (code >= 48 && code <= 57) return code - 48;
  const letter = anyCase ? code | 32 : code;
  return letter >= 97 && letter <= 102 ? letter - 87 : -1;
}

/** Per row: it has a sha256 (the first 64 bits), a perceptual hash. */
const HAS_SHA = 1;
const HAS_PHASH = 2;

/** Files an image's hashes at `row`; returns which of them it has (HAS_SHA, HAS_PHASH). */
function fileHashes(image: HashedImage, row: number, sha: Halves, phash: Halves): number {
  let flags = 0;
  // A sha256 in either case, as it may come from elsewhere; a perceptual hash as Recaption writes it.
  if (image.sha256 && sha.setHex(row, image.sha256, true)) flags |= HAS_SHA;
  if (image.phash && phash.setHex(row, image.phash, false)) flags |= HAS_PHASH;
  return flags;
}

/**
 * Groups images as they come, one row at a time in manifest order: each new image is joined at once to the
 * earlier ones it duplicates, so at any moment the groups are those of the images so far. Near pairs are
 * found by multi-index hashing: split the 64 bits into distance + 1 chunks; two hashes within the distance
 * agree exactly on at least one chunk (pigeonhole), so a new hash is compared only with the earlier ones
 * sharing a chunk value. Equal hashes are compared once: a hash seen before joins its first holder.
 * Bytes-identical images are recognised by the first 64 bits of their sha256 (a false match among a
 * million images: about 3 in 10⁸).
 */
export class DuplicateStream {
  /** Names by row (a million as strings would be objects the garbage collector keeps marking). */
  private readonly names = new Utf8Column();
  private readonly sha = new Halves();
  private readonly phash = new Halves();
  private has = new Uint8Array(1024);
  private readonly sets = new GrowingUnionFind();
  private readonly firstSha = new FirstRowTable(this.sha);
  private readonly firstPhash = new FirstRowTable(this.phash);
  /** Per chunk: the last distinct hash with each chunk value, and each hash's previous one with the same value. */
  private readonly chunkHeads: Map<number, number>[] = [];
  private chunkNext: Int32Array[] = [];
  private readonly chunkBits: [number, number][] = [];

  constructor(readonly distance = DEFAULT_NEAR_DISTANCE) {
    const problem = nearDistanceProblem(distance);
    if (problem) throw new RangeError(problem);
    if (distance > 0) {
      const chunks = distance + 1;
      for (let k = 0; k < chunks; k++) {
        this.chunkBits.push([Math.floor((k * 64) / chunks), Math.floor(((k + 1) * 64) / chunks)]);
        this.chunkHeads.push(new Map());
        this.chunkNext.push(new Int32Array(1024));
      }
    }
  }

  /** Images added so far (the next one's row). */
  get size(): number {
    return this.names.size;
  }

  /** Adds the next image; `joins` false for one that takes part in no group (an image that is not there). Returns its row. */
  add(image: HashedImage, joins = true): number {
    const row = this.names.size;
    this.addRow(image.fileName, joins ? fileHashes(image, row, this.sha, this.phash) : 0);
    return row;
  }

  /** Adds a row whose hashes are already known (DuplicateFinder's). */
  addHashed(name: string, flags: number, sha: Halves, phash: Halves, from: number): void {
    const row = this.names.size;
    if (flags & HAS_SHA) this.sha.set(row, sha.high[from]!, sha.low[from]!);
    if (flags & HAS_PHASH) this.phash.set(row, phash.high[from]!, phash.low[from]!);
    this.addRow(name, flags);
  }

  private addRow(name: string, flags: number): void {
    const row = this.names.size;
    this.names.push(name);
    if (row >= this.has.length) this.has = grown(this.has, row + 1);
    this.has[row] = flags;
    this.sets.add(row);
    if (flags & HAS_SHA) {
      const first = this.firstSha.firstOf(row);
      if (first !== row) this.sets.union(first, row);
    }
    if (!(flags & HAS_PHASH)) return;
    const first = this.firstPhash.firstOf(row);
    // A hash seen before: its first holder was compared with every other hash already.
    if (first !== row) this.sets.union(first, row);
    else this.joinNear(row);
  }

  /** Joins a new distinct hash to the earlier ones within the distance, then files it under its chunk values. */
  private joinNear(row: number): void {
    const { high, low } = this.phash;
    const h = high[row]!;
    const l = low[row]!;
    for (let k = 0; k < this.chunkBits.length; k++) {
      const [from, to] = this.chunkBits[k]!;
      const key = bitsOf(h, l, from, to);
      const heads = this.chunkHeads[k]!;
      let next = this.chunkNext[k]!;
      for (let other = heads.get(key) ?? -1; other >= 0; other = next[other]!) {
        if (popcount32(h ^ high[other]!) + popcount32(l ^ low[other]!) <= this.distance) this.sets.union(other, row);
      }
      if (row >= next.length) next = this.chunkNext[k] = grown(next, row + 1);
      next[row] = heads.get(key) ?? -1;
      heads.set(key, row);
    }
  }

  /** The first member (row) of the group `row` is in so far; `row` itself when it is the first or alone. */
  rootOf(row: number): number {
    return this.sets.find(row);
  }

  nameOf(row: number): string {
    return this.names.at(row)!;
  }

  /** The groups of two or more so far, in manifest order of their first members. */
  groups(): DuplicateGroup[] {
    const count = this.names.size;
    const members = new Map<number, number[]>();
    for (let r = 0; r < count; r++) {
      // A root is its group's first row, so it is met before the rest of its group.
      const root = this.sets.find(r);
      if (root === r) continue;
      const list = members.get(root);
      if (list) list.push(r);
      else members.set(root, [root, r]);
    }
    const sha = this.sha;
    const sameBytes = (a: number, b: number) => (this.has[a]! & this.has[b]! & HAS_SHA) !== 0 && sha.high[a] === sha.high[b] && sha.low[a] === sha.low[b];
    const groups: DuplicateGroup[] = [];
    for (const [root, list] of [...members].sort((a, b) => a[0] - b[0])) {
      groups.push({ kind: list.every((r) => sameBytes(root, r)) ? 'exact' : 'near', members: list.map((r) => this.names.at(r)!) });
    }
    return groups;
  }
}

/**
 * Collects images one at a time (a manifest can stream by), then groups them at the distance asked for then.
 */
export class DuplicateFinder {
  private readonly names: string[] = [];
  private readonly sha = new Halves();
  private readonly phash = new Halves();
  private has = new Uint8Array(1024);

  add(image: HashedImage): void {
    const row = this.names.length;
    this.names.push(image.fileName);
    if (row >= this.has.length) this.has = grown(this.has, row + 1);
    this.has[row] = fileHashes(image, row, this.sha, this.phash);
  }

  /** The groups of two or more, in manifest order of their first members. */
  groups(distance = DEFAULT_NEAR_DISTANCE): DuplicateGroup[] {
    const stream = new DuplicateStream(distance);
    for (let r = 0; r < this.names.length; r++) {
      stream.addHashed(this.names[r]!, this.has[r]!, this.sha, this.phash, r);
    }
    return stream.groups();
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
  const stream = new DuplicateStream(distance);
  for (const r of records) if (!r.missing) stream.add({ fileName: r.file_name, sha256: r.sha256, phash: r.phash });
  return stream.groups();
}

/** Each grouped image's group key (the group's first member), for splits and one-per-group exports. */
export function groupKeys(groups: readonly DuplicateGroup[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const group of groups) for (const name of group.members) keys.set(name, group.members[0]!);
  return keys;
}

// Merging a changed file on disk into the edit model's base, with the overlay of unsaved edits kept on top:
// what conflicts with the user's unsaved edits, and what a run wrote that the new file must keep.
import { CAPTION_KINDS, isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord } from '../../shared/record.js';
import { sameCaption } from '../dataset/caption-writes.js';
import type { ManifestStore } from '../dataset/manifest-store.js';
import { sameStamp, stampOf, type DiskStamp } from './disk-stamp.js';
import { Emitter } from './emitter.js';
import type { LayeredRecords } from './layered-records.js';
import { ABSENT, clone, keyOf, type OverlayEntry } from './overlay.js';

/** A caption that both the user (unsaved) and someone else (on disk, as a person) changed. */
export interface DiskConflict {
  fileName: string;
  kind: CaptionKind;
  mine: Caption | null;
  theirs: Caption | null;
}

/**
 * The captions that both the user (unsaved) and a person on disk changed. A record the file lost while it
 * has unsaved edits is put back into `fresh`, so the edits keep a home.
 */
export function findConflicts(base: ManifestStore, fresh: ManifestStore, overlay: Iterable<OverlayEntry>): DiskConflict[] {
  const found: DiskConflict[] = [];
  for (const entry of overlay) {
    const old = base.get(entry.fileName);
    let next = fresh.get(entry.fileName);
    if (!next) {
      if (!old) continue;
      fresh.put(structuredClone(old));
      next = fresh.get(entry.fileName)!;
    }
    const before = old?.[entry.kind] ?? null;
    const theirs = next[entry.kind];
    if (sameCaption(before, theirs) || sameCaption(theirs, entry.caption)) continue;
    // A machine's change on disk never beats a person's unsaved edit; a person's is theirs to weigh.
    if (isProtectedCaption(theirs)) found.push({ fileName: entry.fileName, kind: entry.kind, mine: clone(entry.caption), theirs: clone(theirs) });
  }
  return found;
}

/**
 * What a run wrote since the last write of the file goes into the fresh base too, under the same rules:
 * its machine captions only where the disk's caption is not a person's, its error and stale marks.
 */
export function carryRunWrites(base: ManifestStore, fresh: ManifestStore, runWritten: Iterable<string>): void {
  for (const name of runWritten) {
    const ours = base.get(name);
    if (!ours) continue;
    const theirs = fresh.get(name);
    if (!theirs) {
      fresh.put(structuredClone(ours));
      continue;
    }
    const next: ManifestRecord = { ...theirs, error: ours.error };
    if (ours.stale) next.stale = true;
    else delete next.stale;
    for (const kind of CAPTION_KINDS) {
      const mine = ours[kind];
      if (mine && !isProtectedCaption(mine) && !isProtectedCaption(theirs[kind])) next[kind] = structuredClone(mine);
    }
    fresh.put(next);
  }
}

/**
 * The model's side of the file on disk: the stamp of what it last read or wrote, what runs wrote since,
 * and the merge of someone else's change into the base, with the conflicts it found until the user decides.
 * The caller holds the write queue (ManifestWrites) around a merge.
 */
export class DiskMerge {
  private disk: DiskStamp | null = null;
  private conflictList: DiskConflict[] = [];
  /** Records a run changed in the base since the file was last written: kept through a merge from disk. */
  readonly runWritten = new Set<string>();
  private readonly conflictEmitter = new Emitter<readonly DiskConflict[]>();
  /** A merge from disk found captions changed on both sides. */
  readonly onDidFindConflicts = this.conflictEmitter.event;

  constructor(
    private readonly records: LayeredRecords,
    /** Reads the manifest file into a new store. */
    private readonly readFile: () => Promise<ManifestStore>,
    /** Called after each new base is in place (the column passes run again). */
    private readonly afterReload: () => void,
  ) {}

  /** The first read. Stamped before reading, so a write during the read shows up as a change on disk. */
  async load(): Promise<void> {
    this.disk = await stampOf(this.records.manifestPath);
    this.records.replaceBase(await this.readFile());
  }

  /** The file was just written by this model: its stamp is ours. */
  async restamp(): Promise<void> {
    this.disk = await stampOf(this.records.manifestPath);
  }

  /** True when the file is not what this model last read or wrote. */
  async changedOnDisk(): Promise<boolean> {
    if (!this.records.loaded) return false;
    return !sameStamp(await stampOf(this.records.manifestPath), this.disk);
  }

  /** Reads the file and merges it into the base now; returns the conflicts it found. */
  async merge(): Promise<DiskConflict[]> {
    const stamp = await stampOf(this.records.manifestPath);
    const fresh = await this.readFile();
    const found = findConflicts(this.records.base, fresh, this.records.overlay.values());
    carryRunWrites(this.records.base, fresh, this.runWritten);
    await this.reload(fresh, stamp);
    const merged = new Map(this.conflictList.map((c) => [keyOf(c.fileName, c.kind), c]));
    for (const c of found) merged.set(keyOf(c.fileName, c.kind), c);
    this.conflictList = [...merged.values()].filter((c) => this.records.overlay.has(keyOf(c.fileName, c.kind)));
    if (found.length > 0) this.conflictEmitter.fire(found);
    return found;
  }

  /** Reads the file again as the base (a revert: the caller dropped the unsaved edits first). */
  async reread(): Promise<void> {
    await this.reload(await this.readFile());
  }

  private async reload(fresh: ManifestStore, stamp?: DiskStamp | null): Promise<void> {
    this.disk = stamp === undefined ? await stampOf(this.records.manifestPath) : stamp;
    this.records.replaceBase(fresh);
    this.afterReload();
  }

  conflicts(): readonly DiskConflict[] {
    return this.conflictList;
  }

  /** The user's choice for a conflict: keep the unsaved edit, or take the disk's version. */
  resolveConflict(fileName: string, kind: CaptionKind, keep: 'mine' | 'theirs'): void {
    const key = keyOf(fileName, kind);
    if (!this.conflictList.some((c) => keyOf(c.fileName, c.kind) === key)) return;
    this.conflictList = this.conflictList.filter((c) => keyOf(c.fileName, c.kind) !== key);
    if (keep === 'theirs') {
      this.records.setSlot(fileName, kind, ABSENT);
      this.records.flushChanged(true);
    }
  }

  /** The unsaved edits are gone (a revert or a discard): so are their conflicts. */
  clearConflicts(): void {
    this.conflictList = [];
  }

  dispose(): void {
    this.conflictEmitter.dispose();
  }
}

// Merging a changed file on disk into the edit model's base, with the overlay of unsaved edits kept on top:
// what conflicts with the user's unsaved edits, and what a run wrote that the new file must keep.
import { CAPTION_KINDS, isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord } from '../../shared/record.js';
import { sameCaption } from '../dataset/caption-writes.js';
import type { ManifestStore } from '../dataset/manifest-store.js';
import { clone, type OverlayEntry } from './overlay.js';

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

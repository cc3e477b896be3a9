// The model's operations on its file, one at a time (a user's save and a run's checkpoint never
// interleave): save writes base + unsaved edits atomically, streamed, then folds the edits into the base; a
// run's checkpoint writes the base only; revert reads the file again; a merge takes in a change on disk.
import type { RecordOverrides } from '../dataset/record-overrides.js';
import { clone } from './overlay.js';
import type { DiskConflict, DiskMerge } from './disk-merge.js';
import { stampOf } from './disk-stamp.js';
import type { LayeredRecords } from './layered-records.js';
import { overridesOf, type ReviewLayer } from './review-layer.js';

export class ManifestWrites {
  /** All writes of the file, in order. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly records: LayeredRecords,
    private readonly disk: DiskMerge,
    /** Starts the full load (once) and resolves when it is done. */
    private readonly ready: () => Promise<void>,
  ) {}

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = this.writing.then(task, task);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Merges the file into the base when it changed on disk; returns the conflicts it found. */
  mergeFromDisk(): Promise<readonly DiskConflict[]> {
    return this.serialized(async () => {
      await this.ready();
      if (!(await this.disk.changedOnDisk())) return [];
      return this.disk.merge();
    });
  }

  /** Writes the base alone (a run's checkpoint): the file then holds everything but the unsaved edits. */
  checkpoint(): Promise<void> {
    return this.serialized(async () => {
      // Someone else wrote the file since: take their changes in first, never write over them.
      if (await this.disk.changedOnDisk()) await this.disk.merge();
      if (!this.records.base.isDirty && (await stampOf(this.records.manifestPath)) !== null) return;
      await this.writeFile();
      await this.disk.restamp();
    });
  }

  /**
   * Writes the base (with `overrides` over its records) to the manifest. What runs wrote before the write
   * began is then on disk; what they write meanwhile stays marked for the next merge.
   */
  private async writeFile(overrides?: RecordOverrides): Promise<void> {
    const runWritten = [...this.disk.runWritten];
    await this.records.base.saveTo(this.records.manifestPath, overrides);
    for (const name of runWritten) this.disk.runWritten.delete(name);
  }

  /** Writes base + unsaved edits atomically and streamed, then folds the written edits into the base. */
  save(): Promise<void> {
    return this.serialized(async () => {
      await this.ready();
      const records = this.records;
      if (await this.disk.changedOnDisk()) await this.disk.merge();
      const conflicts = this.disk.conflicts().length;
      if (conflicts > 0) throw new Error(`${conflicts} caption(s) changed both here and on disk; choose which to keep before saving`);
      const written = new Map(records.overlay);
      const reviews = records.reviews.size > 0 ? records.layer().snapshot() : null;
      await this.writeFile({ records: records.overlaidRecords(written.values()), reviews: reviews ? overridesOf(reviews) : undefined });
      // The base now reads what was written. A record a run changed while the file was written holds the
      // run's value: the saved edit goes onto it.
      const base = records.base;
      const baseClean = !base.isDirty;
      for (const [key, entry] of written) {
        if (base.isHeld(entry.fileName)) base.setCaption(entry.fileName, entry.kind, clone(entry.caption));
        // An edit made while the file was being written stays unsaved.
        if (records.overlay.get(key) === entry) records.overlay.delete(key);
      }
      if (reviews) this.foldSavedReviews(reviews);
      if (baseClean) base.markSaved();
      records.saveEpoch++;
      await this.disk.restamp();
    });
  }

  /** After a save: the written reviews are the base's now; those not changed during the save leave the layer. */
  private foldSavedReviews(saved: ReviewLayer): void {
    const base = this.records.base;
    const layer = this.records.layer();
    for (const slot of saved.slots()) {
      if (base.isHeld(slot.fileName)) {
        const caption = base.get(slot.fileName)?.[slot.kind];
        if (caption && caption.review !== slot.review) base.setCaption(slot.fileName, slot.kind, { ...caption, review: slot.review });
      }
      const row = layer.rowOf(slot.fileName, slot.row);
      if (layer.get(row, slot.kind) === slot.review) layer.set(row, slot.kind, undefined);
    }
  }

  /** Writes base + unsaved edits to another file; the model's saved state does not change. */
  saveAs(target: string): Promise<void> {
    return this.serialized(async () => {
      await this.ready();
      const records = this.records;
      await records.base.saveTo(target, { records: records.overlaidRecords(records.overlay.values()), reviews: records.reviews.size > 0 ? overridesOf(records.layer()) : undefined });
    });
  }

  /** Drops the unsaved edits and reads the file again. */
  revert(): Promise<void> {
    return this.serialized(async () => {
      await this.ready();
      this.records.clearUnsaved();
      this.disk.clearConflicts();
      this.disk.runWritten.clear();
      await this.disk.reread();
    });
  }
}

// The user's edits and their undo: each edit runs against the shown records and becomes one step with an
// undo and a redo, which the host puts on its undo stack. Undoing back to the value the overlay started
// from removes the overlay entry, so "has unsaved edits" is exact and a change on disk shows through an
// undone edit.
import { isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord, type ReviewState } from '../../shared/record.js';
import { humanEdit, machineCaption, sameCaption, withReview, type MachineCaption } from '../dataset/caption-writes.js';
import type { WriteOutcome } from '../dataset/manifest-access.js';
import { assertCaptionFits } from '../limits.js';
import { Emitter } from './emitter.js';
import type { LayeredRecords } from './layered-records.js';
import { clone, keyOf, type OverlaySlot } from './overlay.js';

/** One undoable step, for the host's undo stack. */
export interface CaptionEdit {
  label: string;
  undo(): void;
  redo(): void;
}

/** The writes an edit can make: the human-edit API over the effective records (base + overlay). */
export interface CaptionEditor {
  get(fileName: string): ManifestRecord | undefined;
  writeHumanCaption(fileName: string, kind: CaptionKind, text: string): void;
  setReview(fileName: string, kind: CaptionKind, review: Caption['review']): void;
  /** A machine caption the user asked for in the editor (upsampling): refused for a protected caption. */
  writeMachineCaption(fileName: string, kind: CaptionKind, caption: MachineCaption): WriteOutcome;
  /** Puts a caption back exactly (an earlier value the user is restoring). */
  setCaption(fileName: string, kind: CaptionKind, caption: Caption | null): void;
}

interface EditStep {
  fileName: string;
  kind: CaptionKind;
  beforeSlot: OverlaySlot;
  /** The review layer's slot before the edit (an overlay entry and a layer slot never hold one caption both). */
  beforeLayer: ReviewState | undefined;
  beforeValue: Caption | null;
  afterValue: Caption | null;
}

export class EditLog {
  private readonly editEmitter = new Emitter<CaptionEdit>();
  /** An undoable edit happened. */
  readonly onDidEdit = this.editEmitter.event;

  constructor(private readonly records: LayeredRecords) {}

  /**
   * Runs `mutate` against the effective records and turns what it changed into one undoable edit, which
   * listeners of onDidEdit receive. Returns mutate's result.
   */
  edit<T>(label: string, mutate: (editor: CaptionEditor) => T): T {
    const { result, step } = this.steps(mutate);
    if (step) this.push({ label, ...step });
    return result;
  }

  /** Announces an undoable step made outside `edit` (a bulk review). */
  push(edit: CaptionEdit): void {
    this.editEmitter.fire(edit);
  }

  /** Runs `mutate` and returns its undo and redo (none when nothing changed), without announcing an edit. */
  steps<T>(mutate: (editor: CaptionEditor) => T): { result: T; step: Omit<CaptionEdit, 'label'> | null } {
    const records = this.records;
    const steps = new Map<string, EditStep>();
    const write = (fileName: string, kind: CaptionKind, caption: Caption | null) => {
      const key = keyOf(fileName, kind);
      if (!steps.has(key)) {
        steps.set(key, {
          fileName,
          kind,
          beforeSlot: records.slotOf(fileName, kind),
          beforeLayer: records.layerSlot(fileName, kind),
          beforeValue: clone(records.effectiveCaption(fileName, kind)),
          afterValue: null,
        });
      }
      records.setSlot(fileName, kind, caption);
    };
    const require = (fileName: string): ManifestRecord => {
      const record = records.get(fileName);
      if (!record) throw new Error(`no record for "${fileName}" in ${records.manifestPath}`);
      return record;
    };
    const editor: CaptionEditor = {
      get: (fileName) => records.get(fileName),
      writeHumanCaption: (fileName, kind, text) => {
        const next = humanEdit(require(fileName)[kind], text);
        if (!next) return;
        assertCaptionFits(next.text, fileName, kind);
        write(fileName, kind, next);
      },
      setReview: (fileName, kind, review) => {
        const caption = require(fileName)[kind];
        if (!caption) throw new Error(`"${fileName}" has no ${kind.toUpperCase()} to review`);
        const next = withReview(caption, review);
        if (next) write(fileName, kind, next);
      },
      writeMachineCaption: (fileName, kind, caption) => {
        const next = machineCaption(caption);
        assertCaptionFits(next.text, fileName, kind);
        if (isProtectedCaption(require(fileName)[kind])) return 'protected';
        write(fileName, kind, next);
        return 'written';
      },
      setCaption: (fileName, kind, caption) => {
        require(fileName);
        write(fileName, kind, caption);
      },
    };
    let result: T;
    try {
      result = mutate(editor);
    } catch (err) {
      // An edit that fails part-way (a caption over the limit) changes nothing.
      for (const s of [...steps.values()].reverse()) records.setSlot(s.fileName, s.kind, s.beforeSlot, s.beforeLayer);
      records.flushChanged(true);
      throw err;
    }
    const changed: EditStep[] = [];
    for (const step of steps.values()) {
      step.afterValue = clone(records.effectiveCaption(step.fileName, step.kind));
      if (!sameCaption(step.beforeValue, step.afterValue)) changed.push(step);
    }
    records.flushChanged(true);
    if (changed.length === 0) return { result, step: null };
    const epoch = records.saveEpoch;
    return { result, step: { undo: () => this.undoSteps(changed, epoch), redo: () => this.redoSteps(changed) } };
  }

  private undoSteps(steps: readonly EditStep[], epoch: number): void {
    if (!this.records.loaded) return;
    // Nothing saved since the edit: put the overlay back as it was, so the base (and what the disk
    // brought into it meanwhile) shows through. After a save, the base holds the edit: restore the value.
    for (const s of [...steps].reverse()) {
      if (epoch === this.records.saveEpoch) this.records.setSlot(s.fileName, s.kind, s.beforeSlot, s.beforeLayer);
      else this.records.setSlot(s.fileName, s.kind, s.beforeValue);
    }
    this.records.flushChanged(true);
  }

  private redoSteps(steps: readonly EditStep[]): void {
    if (!this.records.loaded) return;
    for (const s of steps) this.records.setSlot(s.fileName, s.kind, s.afterValue);
    this.records.flushChanged(true);
  }

  dispose(): void {
    this.editEmitter.dispose();
  }
}

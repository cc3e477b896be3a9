// The caption document's edit model, with no vscode import (the shape of vscode-hexeditor's
// HexDocumentModel). It holds the saved base (the manifest as on disk, plus what captioning runs write and
// checkpoint) and an overlay of the user's unsaved caption edits on top of it.
//
// - Every edit returns its undo and redo. Undoing back to the value the overlay started from removes the
//   overlay entry, so "has unsaved edits" is exact and a change on disk shows through an undone edit.
// - A backup is the overlay. Save writes base + overlay atomically, streamed, then folds the overlay in.
// - Runs write the base through `runAccess()`: their machine writes never touch a caption with an unsaved
//   edit, and their checkpoints write the base only, never the user's unsaved edits.
// - A change on disk is merged into the base with the overlay kept on top; where the disk and the overlay
//   both changed one caption and the disk's version is a person's, it is a conflict the user decides.
import * as path from 'node:path';
import { CAPTION_KINDS, isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord } from '../../shared/record.js';
import { factsOf, recordState, type Counts, type RecordFacts, type RecordQuery } from '../../shared/record-query.js';
import { humanEdit, machineCaption, sameCaption, withReview, type MachineCaption } from '../dataset/caption-writes.js';
import type { ManifestAccess, WriteOptions, WriteOutcome } from '../dataset/manifest-access.js';
import { ManifestStore, type ManifestOpenOptions } from '../dataset/manifest-store.js';
import { countRecords } from '../dataset/query.js';
import { Emitter } from './emitter.js';
import { carryRunWrites, findConflicts, type DiskConflict } from './disk-merge.js';
import { sameStamp, stampOf, type DiskStamp } from './disk-stamp.js';
import { clone, keyOf, overlaid, type OverlayEntry } from './overlay.js';

export type { DiskConflict, OverlayEntry };
import { readHead } from './manifest-head.js';

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

/** An overlay entry's state before an edit: absent, or the value it held. */
const ABSENT = Symbol('absent');
type OverlaySlot = Caption | null | typeof ABSENT;

interface EditStep {
  fileName: string;
  kind: CaptionKind;
  beforeSlot: OverlaySlot;
  beforeValue: Caption | null;
  afterValue: Caption | null;
}

export class ManifestLoadingError extends Error {
  override name = 'ManifestLoadingError';
}

export class CaptionEditModel {
  private baseValue: ManifestStore | null = null;
  private readonly overlay = new Map<string, OverlayEntry>();
  /** Bumped by every save and revert: an undo from before one restores concrete values. */
  private saveEpoch = 0;
  private countsValue: Counts;
  private disk: DiskStamp | null = null;
  private conflictList: DiskConflict[] = [];
  /** All writes of the file, in order: a user's save and a run's checkpoint never interleave. */
  private writing: Promise<unknown> = Promise.resolve();
  private pendingChanged = new Set<string>();
  /** Records a run changed in the base since the file was last written: kept through a merge from disk. */
  private runWritten = new Set<string>();
  private flushScheduled = false;

  /** Bumped when the record list is replaced (load, reload), so cached indexes are thrown away. */
  generation = 0;

  private readonly editEmitter = new Emitter<CaptionEdit>();
  /** An undoable edit happened. */
  readonly onDidEdit = this.editEmitter.event;
  private readonly recordsEmitter = new Emitter<readonly string[]>();
  /** These records changed in place (edits, undo, runs). Run writes are coalesced per tick. */
  readonly onDidChangeRecords = this.recordsEmitter.event;
  private readonly resetEmitter = new Emitter<void>();
  /** The record list was replaced (load, revert, a change on disk). */
  readonly onDidReset = this.resetEmitter.event;
  private readonly conflictEmitter = new Emitter<readonly DiskConflict[]>();
  /** A merge from disk found captions changed on both sides. */
  readonly onDidFindConflicts = this.conflictEmitter.event;

  private loadStarted = false;
  private resolveLoaded!: () => void;
  private rejectLoaded!: (err: unknown) => void;
  /** Settles when the whole manifest is loaded; unlike `ready` it does not start the load. */
  readonly loadedPromise = new Promise<void>((resolve, reject) => {
    this.resolveLoaded = resolve;
    this.rejectLoaded = reject;
  });

  private constructor(
    readonly manifestPath: string,
    /** The first records of the file, for a first screen while the rest loads. */
    readonly head: readonly ManifestRecord[],
    private readonly openOptions: ManifestOpenOptions,
  ) {
    this.countsValue = countRecords(head);
    this.loadedPromise.catch(() => undefined);
  }

  /** Opens a manifest: reads its head now; the full load starts with `ready`. */
  static async open(manifestPath: string, options: ManifestOpenOptions = {}): Promise<CaptionEditModel> {
    return new CaptionEditModel(path.resolve(manifestPath), await readHead(manifestPath), options);
  }

  get folder(): string {
    return path.dirname(this.manifestPath);
  }

  get fileName(): string {
    return path.basename(this.manifestPath);
  }

  /** Starts the full load (once) and resolves when it is done. */
  get ready(): Promise<void> {
    if (!this.loadStarted) {
      this.loadStarted = true;
      this.loadBase().then(this.resolveLoaded, this.rejectLoaded);
    }
    return this.loadedPromise;
  }

  get loaded(): boolean {
    return this.baseValue !== null;
  }

  private get base(): ManifestStore {
    if (!this.baseValue) throw new ManifestLoadingError(`${this.manifestPath} is still loading`);
    return this.baseValue;
  }

  private defectsWanted = false;
  private defectsPass: { base: ManifestStore; done: Promise<void> } | null = null;

  /**
   * Flags every record's own defects in the base's index (one pass; until it ends the flag filter shows
   * none), then tells views to refetch. Asked once, it is done again for every new base.
   */
  async computeDefects(): Promise<void> {
    this.defectsWanted = true;
    await this.ready;
    const base = this.base;
    if (base.defectsReady) return;
    // One pass per base however many callers ask at once; a pass over a base replaced since (a reload
    // from disk) is not this base's, so it starts its own. A failed pass may be tried again.
    let pass = this.defectsPass;
    if (pass === null || pass.base !== base) {
      const done = base.computeDefects();
      pass = this.defectsPass = { base, done };
      done.catch(() => {
        if (this.defectsPass?.done === done) this.defectsPass = null;
      });
    }
    await pass.done;
    if (this.baseValue !== base) return; // replaced meanwhile: the new base gets its own pass
    this.generation++;
    this.resetEmitter.fire();
  }

  /** Whether the base's index holds every record's defect flags. */
  get defectsReady(): boolean {
    return this.baseValue?.defectsReady ?? false;
  }

  private async loadBase(): Promise<void> {
    // Stamp before reading, so a write during the read shows up as a change on disk.
    this.disk = await stampOf(this.manifestPath);
    this.baseValue = await ManifestStore.open(this.folder, this.fileName, this.openOptions);
    this.generation++;
    this.recount();
    this.resetEmitter.fire();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading: the effective records (base with the overlay on top)

  get size(): number {
    return this.base.size;
  }

  get problems(): ManifestStore['problems'] {
    return this.base.problems;
  }

  names(): readonly string[] {
    return this.base.names();
  }

  get(fileName: string): ManifestRecord | undefined {
    const record = this.base.get(fileName);
    if (!record || this.overlay.size === 0) return record;
    return overlaid(record, this.overlay);
  }

  *records(): IterableIterator<ManifestRecord> {
    for (const record of this.base.records()) yield this.overlay.size > 0 ? overlaid(record, this.overlay) : record;
  }

  getCounts(): Counts {
    return this.countsValue;
  }

  get hasUnsavedEdits(): boolean {
    return this.overlay.size > 0;
  }

  /** The unsaved edits: what a backup holds. */
  unsavedEdits(): OverlayEntry[] {
    return [...this.overlay.values()].map((e) => ({ ...e, caption: clone(e.caption) }));
  }

  conflicts(): readonly DiskConflict[] {
    return this.conflictList;
  }

  /** Counts from the base's columns, with the records that have unsaved edits counted as they are shown. */
  private recount(): void {
    const counts = this.base.counts();
    for (const [name, record] of this.overlaidRecords(this.overlay.values())) {
      counts[recordState(this.base.get(name)!)]--;
      counts[recordState(record)]++;
    }
    this.countsValue = counts;
  }

  /** The records that `entries` change, with those changes on top of the base. */
  private overlaidRecords(entries: Iterable<OverlayEntry>): Map<string, ManifestRecord> {
    const out = new Map<string, ManifestRecord>();
    for (const e of entries) {
      const record = out.get(e.fileName) ?? this.base.get(e.fileName);
      if (record) out.set(e.fileName, { ...record, [e.kind]: e.caption });
    }
    return out;
  }

  /** A record's position in manifest order, or -1. */
  positionOf(fileName: string): number {
    return this.base.positionOf(fileName);
  }

  /** The facts (authors, reviews, lengths, error) of the record at a position, as shown. */
  factsAt(position: number): RecordFacts {
    const name = this.base.names()[position];
    if (name !== undefined && this.overlay.size > 0 && this.hasOverlay(name)) return factsOf(this.get(name)!);
    return this.base.factsAt(position);
  }

  private hasOverlay(fileName: string): boolean {
    return CAPTION_KINDS.some((kind) => this.overlay.has(keyOf(fileName, kind)));
  }

  /** Positions of the records a query shows, unsaved edits included. Throws QueryError for a bad regex. */
  matchPositions(query: RecordQuery): Int32Array {
    return this.base.matchPositions(query, this.overlaidRecords(this.overlay.values()));
  }

  private baseCaption(fileName: string, kind: CaptionKind): Caption | null {
    return this.base.get(fileName)?.[kind] ?? null;
  }

  private effectiveCaption(fileName: string, kind: CaptionKind): Caption | null {
    const entry = this.overlay.get(keyOf(fileName, kind));
    return entry ? entry.caption : this.baseCaption(fileName, kind);
  }

  private slotOf(fileName: string, kind: CaptionKind): OverlaySlot {
    const entry = this.overlay.get(keyOf(fileName, kind));
    return entry ? entry.caption : ABSENT;
  }

  /** Changes one overlay slot, keeping counts and the changed-records set; a value equal to the base is no edit. */
  private setSlot(fileName: string, kind: CaptionKind, slot: OverlaySlot): void {
    const record = this.base.get(fileName);
    if (!record) return;
    const before = recordState(this.get(fileName)!);
    const key = keyOf(fileName, kind);
    if (slot === ABSENT || sameCaption(slot, record[kind])) this.overlay.delete(key);
    else this.overlay.set(key, { fileName, kind, caption: clone(slot) });
    this.adjustCounts(before, recordState(this.get(fileName)!));
    this.pendingChanged.add(fileName);
  }

  private adjustCounts(before: ReturnType<typeof recordState>, after: ReturnType<typeof recordState>): void {
    if (before === after) return;
    this.countsValue[before]--;
    this.countsValue[after]++;
  }

  /** Tells listeners which records changed; `now` for edits (the UI answers at once), else once per tick. */
  private flushChanged(now: boolean): void {
    if (now) {
      const names = [...this.pendingChanged];
      this.pendingChanged.clear();
      if (names.length) this.recordsEmitter.fire(names);
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushChanged(true);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Edits (the overlay)

  /**
   * Runs `mutate` against the effective records and turns what it changed into one undoable edit, which
   * listeners of onDidEdit receive. Returns mutate's result.
   */
  edit<T>(label: string, mutate: (editor: CaptionEditor) => T): T {
    const steps = new Map<string, EditStep>();
    const write = (fileName: string, kind: CaptionKind, caption: Caption | null) => {
      const key = keyOf(fileName, kind);
      if (!steps.has(key)) {
        steps.set(key, { fileName, kind, beforeSlot: this.slotOf(fileName, kind), beforeValue: clone(this.effectiveCaption(fileName, kind)), afterValue: null });
      }
      this.setSlot(fileName, kind, caption);
    };
    const require = (fileName: string): ManifestRecord => {
      const record = this.get(fileName);
      if (!record) throw new Error(`no record for "${fileName}" in ${this.manifestPath}`);
      return record;
    };
    const editor: CaptionEditor = {
      get: (fileName) => this.get(fileName),
      writeHumanCaption: (fileName, kind, text) => {
        const next = humanEdit(require(fileName)[kind], text);
        if (next) write(fileName, kind, next);
      },
      setReview: (fileName, kind, review) => {
        const caption = require(fileName)[kind];
        if (!caption) throw new Error(`"${fileName}" has no ${kind.toUpperCase()} to review`);
        const next = withReview(caption, review);
        if (next) write(fileName, kind, next);
      },
      writeMachineCaption: (fileName, kind, caption) => {
        const next = machineCaption(caption);
        if (isProtectedCaption(require(fileName)[kind])) return 'protected';
        write(fileName, kind, next);
        return 'written';
      },
      setCaption: (fileName, kind, caption) => {
        require(fileName);
        write(fileName, kind, caption);
      },
    };
    const result = mutate(editor);
    const changed: EditStep[] = [];
    for (const step of steps.values()) {
      step.afterValue = clone(this.effectiveCaption(step.fileName, step.kind));
      if (!sameCaption(step.beforeValue, step.afterValue)) changed.push(step);
    }
    this.flushChanged(true);
    if (changed.length > 0) {
      const epoch = this.saveEpoch;
      this.editEmitter.fire({ label, undo: () => this.undoSteps(changed, epoch), redo: () => this.redoSteps(changed) });
    }
    return result;
  }

  private undoSteps(steps: readonly EditStep[], epoch: number): void {
    if (!this.loaded) return;
    // Nothing saved since the edit: put the overlay back as it was, so the base (and what the disk
    // brought into it meanwhile) shows through. After a save, the base holds the edit: restore the value.
    for (const s of [...steps].reverse()) this.setSlot(s.fileName, s.kind, epoch === this.saveEpoch ? s.beforeSlot : s.beforeValue);
    this.flushChanged(true);
  }

  private redoSteps(steps: readonly EditStep[]): void {
    if (!this.loaded) return;
    for (const s of steps) this.setSlot(s.fileName, s.kind, s.afterValue);
    this.flushChanged(true);
  }

  /** Puts unsaved edits from a backup back on top of the base (not an undoable step: they were there). */
  restoreUnsaved(entries: readonly OverlayEntry[]): number {
    let restored = 0;
    for (const e of entries) {
      if (!this.base.get(e.fileName) || (e.kind !== 'ssc' && e.kind !== 'dsc')) continue;
      this.setSlot(e.fileName, e.kind, e.caption);
      restored++;
    }
    this.flushChanged(true);
    return restored;
  }

  // ---------------------------------------------------------------------------------------------
  // Runs: the base, under the human-edit rule, seen with the overlay on top

  /** A ManifestAccess for captioning, scanning and upsampling runs while this model is open. */
  runAccess(): ManifestAccess {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the access object is a view of this model
    const model = this;
    const baseWrite = <T>(fileName: string, write: (base: ManifestStore) => T): T => {
      const known = model.base.get(fileName) !== undefined;
      const before = known ? recordState(model.get(fileName)!) : null;
      const result = write(model.base);
      const after = model.get(fileName);
      if (after) {
        if (before === null) {
          model.countsValue.total++;
          model.countsValue[recordState(after)]++;
        } else model.adjustCounts(before, recordState(after));
      }
      model.pendingChanged.add(fileName);
      model.runWritten.add(fileName);
      model.flushChanged(false);
      return result;
    };
    return {
      get folder() {
        return model.folder;
      },
      get fileName() {
        return model.fileName;
      },
      get manifestPath() {
        return model.manifestPath;
      },
      get problems() {
        return model.base.problems;
      },
      get size() {
        return model.base.size;
      },
      get isDirty() {
        return model.base.isDirty;
      },
      get: (fileName) => model.get(fileName),
      names: () => model.base.names(),
      records: () => model.records(),
      put: (record) =>
        baseWrite(record.file_name, (base) => {
          const current = base.get(record.file_name);
          if (!current) {
            // A new record: it gets a fresh list position, so indexes are rebuilt.
            base.put(record);
            model.generation++;
            return;
          }
          // A run's put never changes captions: they come from the base, so unsaved edits stay unsaved.
          base.put({ ...record, ssc: current.ssc, dsc: current.dsc });
        }),
      writeMachineCaption: (fileName, kind, caption, options: WriteOptions = {}) => {
        if (model.overlay.has(keyOf(fileName, kind)) && !options.override) return 'protected';
        return baseWrite(fileName, (base) => base.writeMachineCaption(fileName, kind, caption, options));
      },
      writeHumanCaption: (fileName, kind, text) => baseWrite(fileName, (base) => base.writeHumanCaption(fileName, kind, text)),
      setReview: (fileName, kind, review) => baseWrite(fileName, (base) => base.setReview(fileName, kind, review)),
      setError: (fileName, error) => baseWrite(fileName, (base) => base.setError(fileName, error)),
      // Scores go to the base's texts, and only where the base text is the one scored: a caption with an
      // unsaved edit keeps its base score until the edit is saved, which drops it.
      setScores: (fileName, scoreModel, scores) => baseWrite(fileName, (base) => base.setScores(fileName, scoreModel, scores)),
      save: () => model.checkpointBase(),
    };
  }

  /** Writes the base alone (a run's checkpoint): the file then holds everything but the unsaved edits. */
  checkpointBase(): Promise<void> {
    return this.serialized(async () => {
      // Someone else wrote the file since: take their changes in first, never write over them.
      if (await this.changedOnDisk()) await this.mergeNow();
      if (!this.base.isDirty && (await stampOf(this.manifestPath)) !== null) return;
      await this.writeFile();
      this.disk = await stampOf(this.manifestPath);
    });
  }

  /**
   * Writes the base (with `view` over each record) to the manifest. What runs wrote before the write began
   * is then on disk; what they write meanwhile stays marked for the next merge.
   */
  private async writeFile(replacements?: ReadonlyMap<string, ManifestRecord>): Promise<void> {
    const runWritten = [...this.runWritten];
    await this.base.saveTo(this.manifestPath, replacements);
    for (const name of runWritten) this.runWritten.delete(name);
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = this.writing.then(task, task);
    this.writing = next.catch(() => undefined);
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // Save, revert

  /** Writes base + overlay atomically and streamed, then folds the written edits into the base. */
  save(): Promise<void> {
    return this.serialized(async () => {
      await this.ready;
      if (await this.changedOnDisk()) await this.mergeNow();
      if (this.conflictList.length > 0) {
        throw new Error(`${this.conflictList.length} caption(s) changed both here and on disk; choose which to keep before saving`);
      }
      const written = new Map(this.overlay);
      await this.writeFile(this.overlaidRecords(written.values()));
      const baseClean = !this.base.isDirty;
      for (const [key, entry] of written) {
        if (!this.base.get(entry.fileName)) continue;
        this.base.setCaption(entry.fileName, entry.kind, clone(entry.caption));
        // An edit made while the file was being written stays unsaved.
        if (this.overlay.get(key) === entry) this.overlay.delete(key);
      }
      if (baseClean) this.base.markSaved();
      this.saveEpoch++;
      this.disk = await stampOf(this.manifestPath);
    });
  }

  /** Writes base + overlay to another file; this model's saved state does not change. */
  saveAs(target: string): Promise<void> {
    return this.serialized(async () => {
      await this.ready;
      await this.base.saveTo(target, this.overlaidRecords(this.overlay.values()));
    });
  }

  /** Drops the unsaved edits and reads the file again. */
  revert(): Promise<void> {
    return this.serialized(async () => {
      await this.ready;
      this.overlay.clear();
      this.conflictList = [];
      this.saveEpoch++;
      this.runWritten.clear();
      await this.reloadBase(await ManifestStore.open(this.folder, this.fileName, this.openOptions));
    });
  }

  /**
   * Forgets the unsaved edits without reading the file (the editor was closed without saving while a run
   * still holds this model).
   */
  discardUnsaved(): void {
    if (!this.loaded || this.overlay.size === 0) return;
    this.overlay.clear();
    this.conflictList = [];
    this.saveEpoch++;
    this.recount();
    this.resetEmitter.fire();
  }

  // ---------------------------------------------------------------------------------------------
  // Changes on disk

  /** True when the file is not what this model last read or wrote. */
  async changedOnDisk(): Promise<boolean> {
    if (!this.loaded) return false;
    return !sameStamp(await stampOf(this.manifestPath), this.disk);
  }

  /** Merges the file into the base when it changed on disk; returns the conflicts it found. */
  mergeFromDisk(): Promise<readonly DiskConflict[]> {
    return this.serialized(async () => {
      await this.ready;
      if (!(await this.changedOnDisk())) return [];
      return this.mergeNow();
    });
  }

  private async mergeNow(): Promise<DiskConflict[]> {
    const stamp = await stampOf(this.manifestPath);
    const fresh = await ManifestStore.open(this.folder, this.fileName, this.openOptions);
    const found = findConflicts(this.base, fresh, this.overlay.values());
    carryRunWrites(this.base, fresh, this.runWritten);
    await this.reloadBase(fresh, stamp);
    const merged = new Map(this.conflictList.map((c) => [keyOf(c.fileName, c.kind), c]));
    for (const c of found) merged.set(keyOf(c.fileName, c.kind), c);
    this.conflictList = [...merged.values()].filter((c) => this.overlay.has(keyOf(c.fileName, c.kind)));
    if (found.length > 0) this.conflictEmitter.fire(found);
    return found;
  }

  private async reloadBase(fresh: ManifestStore, stamp?: DiskStamp | null): Promise<void> {
    this.disk = stamp === undefined ? await stampOf(this.manifestPath) : stamp;
    const old = this.baseValue;
    this.baseValue = fresh;
    if (old !== fresh) old?.close();
    // Overlay entries equal to the new base are no longer edits.
    for (const [key, entry] of this.overlay) {
      if (!fresh.get(entry.fileName)) this.overlay.delete(key);
      else if (sameCaption(entry.caption, fresh.get(entry.fileName)![entry.kind])) this.overlay.delete(key);
    }
    this.generation++;
    this.recount();
    this.pendingChanged.clear();
    this.resetEmitter.fire();
    // A failed pass leaves the flag filter showing what was flagged; the next reload tries again.
    if (this.defectsWanted) void this.computeDefects().catch(() => undefined);
  }

  /** The user's choice for a conflict: keep the unsaved edit, or take the disk's version. */
  resolveConflict(fileName: string, kind: CaptionKind, keep: 'mine' | 'theirs'): void {
    const key = keyOf(fileName, kind);
    if (!this.conflictList.some((c) => keyOf(c.fileName, c.kind) === key)) return;
    this.conflictList = this.conflictList.filter((c) => keyOf(c.fileName, c.kind) !== key);
    if (keep === 'theirs') {
      this.setSlot(fileName, kind, ABSENT);
      this.flushChanged(true);
    }
  }

  dispose(): void {
    this.baseValue?.close();
    for (const e of [this.editEmitter, this.recordsEmitter, this.resetEmitter, this.conflictEmitter]) e.dispose();
  }
}

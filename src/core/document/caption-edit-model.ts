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
import type { DatasetThresholds } from '../analysis/defects.js';
import * as path from 'node:path';
import { CAPTION_KINDS, isProtectedCaption, type Caption, type CaptionKind, type ManifestRecord, type ReviewState } from '../../shared/record.js';
import { factsOf, recordState, type Counts, type RecordFacts, type RecordQuery, type RecordState, type ReviewOrder } from '../../shared/record-query.js';
import { humanEdit, machineCaption, sameCaption, withReview, type MachineCaption } from '../dataset/caption-writes.js';
import type { ManifestAccess, WriteOptions, WriteOutcome } from '../dataset/manifest-access.js';
import { ManifestStore, type ManifestOpenOptions } from '../dataset/manifest-store.js';
import { countRecords } from '../dataset/query.js';
import { Emitter } from './emitter.js';
import { carryRunWrites, findConflicts, type DiskConflict } from './disk-merge.js';
import { sameStamp, stampOf, type DiskStamp } from './disk-stamp.js';
import { clone, keyOf, overlaid, type OverlayEntry } from './overlay.js';
import { readHead } from './manifest-head.js';
import { ReviewLayer, reviewCode, reviewOfCode } from './review-layer.js';
import { withReviewOverrides, type RecordOverrides, type ReviewOverrides } from '../dataset/record-overrides.js';
import type { PatternRunner } from '../dataset/pattern-runner.js';
import { assertCaptionFits } from '../limits.js';

export type { DiskConflict, OverlayEntry };

/** An unsaved review held in the compact layer (what a backup holds besides the overlay). */
export interface UnsavedReview {
  fileName: string;
  kind: CaptionKind;
  review: ReviewState;
}

/** What a bulk review did: captions changed, and captions left alone because a person decided otherwise. */
export interface BulkReviewResult {
  changed: number;
  kept: number;
}

/** Index columns filled by a pass over the records when first asked for (the flag and duplicates filters). */
type ColumnPass = 'defects' | 'duplicates';

/** More records than this changed at once are announced as a reset (views refetch) instead of by name. */
const MAX_NAMED_CHANGES = 500;

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
  /** The review layer's slot before the edit (an overlay entry and a layer slot never hold one caption both). */
  beforeLayer: ReviewState | undefined;
  beforeValue: Caption | null;
  afterValue: Caption | null;
}

/** A bulk review's changes to the review layer, one entry per caption: names are shared with the index. */
interface BulkReviewStep {
  names: string[];
  /** 0 for SSC, 1 for DSC. */
  kinds: Uint8Array;
  /** The layer's code before (NO_REVIEW_SLOT: none), and the review shown before, as codes. */
  beforeSlot: Uint8Array;
  beforeReview: Uint8Array;
  after: ReviewState;
}

/** Reviews looked up in a layer, for the store's queries and saves (its rows are the store's rows). */
function overridesOf(layer: ReviewLayer): ReviewOverrides {
  return {
    has: (name, row) => layer.has(layer.rowOf(name, row)),
    get: (name, row, kind) => layer.get(layer.rowOf(name, row), kind),
  };
}

export class ManifestLoadingError extends Error {
  override name = 'ManifestLoadingError';
}

export class CaptionEditModel {
  private baseValue: ManifestStore | null = null;
  private readonly overlay = new Map<string, OverlayEntry>();
  /** Unsaved reviews of captions with no overlay entry, a byte each: what a bulk review writes. */
  private readonly reviews = new ReviewLayer();
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

  private readonly columnsWanted = new Set<ColumnPass>();
  private readonly columnPasses = new Map<ColumnPass, { base: ManifestStore; done: Promise<void> }>();

  /**
   * Flags every record's own defects in the base's index (one pass; until it ends the flag filter shows
   * none), then tells views to refetch. Asked once, it is done again for every new base.
   */
  computeDefects(): Promise<void> {
    return this.computeColumn('defects');
  }

  /** Marks the records in duplicate groups in the base's index, as computeDefects does the flags. */
  computeDuplicates(): Promise<void> {
    return this.computeColumn('duplicates');
  }

  private async computeColumn(column: ColumnPass): Promise<void> {
    this.columnsWanted.add(column);
    await this.ready;
    const base = this.base;
    if (column === 'defects' ? base.defectsReady : base.duplicatesReady) return;
    // One pass per base however many callers ask at once; a pass over a base replaced since (a reload
    // from disk) is not this base's, so it starts its own. A failed pass may be tried again.
    let pass = this.columnPasses.get(column);
    if (pass === undefined || pass.base !== base) {
      const done = column === 'defects' ? base.computeDefects() : base.computeDuplicates();
      pass = { base, done };
      this.columnPasses.set(column, pass);
      done.catch(() => {
        if (this.columnPasses.get(column)?.done === done) this.columnPasses.delete(column);
      });
    }
    await pass.done;
    if (this.baseValue !== base) return; // replaced meanwhile: the new base gets its own pass
    this.generation++;
    this.resetEmitter.fire();
  }

  /** Whether the base's index holds every record's duplicate mark. */
  get duplicatesReady(): boolean {
    return this.baseValue?.duplicatesReady ?? false;
  }

  /** Whether the base's index holds every record's defect flags. */
  get defectsReady(): boolean {
    return this.baseValue?.defectsReady ?? false;
  }

  /** The dataset thresholds (length fences, low-score cuts) the defect flags were computed with, if they were. */
  get defectThresholds(): DatasetThresholds | null {
    return this.baseValue?.defectThresholds ?? null;
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
    if (!record) return record;
    return this.shown(record);
  }

  /** A base record with the unsaved edits on top. */
  private shown(record: ManifestRecord): ManifestRecord {
    const out = this.overlay.size > 0 ? overlaid(record, this.overlay) : record;
    return this.reviews.size > 0 ? withReviewOverrides(out, overridesOf(this.layer()), -1) : out;
  }

  *records(): IterableIterator<ManifestRecord> {
    for (const record of this.base.records()) yield this.overlay.size > 0 || this.reviews.size > 0 ? this.shown(record) : record;
  }

  /** The review layer, keyed to the base's current rows. */
  private layer(): ReviewLayer {
    this.reviews.align(this.base.names());
    return this.reviews;
  }

  getCounts(): Counts {
    return this.countsValue;
  }

  /** Records the base holds in memory until the next save (what bounds a long session's memory). */
  get heldRecords(): number {
    return this.base.heldRecords;
  }

  get hasUnsavedEdits(): boolean {
    return this.overlay.size > 0 || this.reviews.size > 0;
  }

  /** The unsaved edits: what a backup holds, with unsavedReviews. */
  unsavedEdits(): OverlayEntry[] {
    return [...this.overlay.values()].map((e) => ({ ...e, caption: clone(e.caption) }));
  }

  /** The unsaved reviews held in the compact layer (a bulk review's). */
  unsavedReviews(): UnsavedReview[] {
    if (this.reviews.size === 0) return [];
    return Array.from(this.layer().slots(), (s) => ({ fileName: s.fileName, kind: s.kind, review: s.review }));
  }

  conflicts(): readonly DiskConflict[] {
    return this.conflictList;
  }

  /** Counts from the base's columns, with the records that have unsaved edits counted as they are shown. */
  private recount(): void {
    const counts = this.base.counts();
    const edited = new Set<number>();
    for (const e of this.overlay.values()) edited.add(this.base.positionOf(e.fileName));
    if (this.reviews.size > 0) for (const slot of this.layer().slots()) edited.add(slot.row);
    for (const row of edited) {
      if (row < 0) continue;
      counts[recordState(this.base.factsAt(row))]--;
      counts[this.stateAt(row)]++;
    }
    this.countsValue = counts;
  }

  /** The badge state of the record at a position, as shown. */
  private stateAt(row: number): RecordState {
    return recordState(this.factsAt(row));
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
    const facts = this.base.factsAt(position);
    if (this.reviews.size === 0 || !this.layer().has(position)) return facts;
    for (const kind of CAPTION_KINDS) {
      const review = this.reviews.get(position, kind);
      const caption = facts[kind];
      if (caption && review !== undefined) caption.review = review;
    }
    return facts;
  }

  private hasOverlay(fileName: string): boolean {
    return CAPTION_KINDS.some((kind) => this.overlay.has(keyOf(fileName, kind)));
  }

  /** Positions of the records a query shows, unsaved edits included, searched on this thread. Throws QueryError for a bad regex. */
  matchPositions(query: RecordQuery): Int32Array {
    return this.base.matchPositions(query, this.unsavedOverrides());
  }

  /** `matchPositions` with a regular expression run through `patterns` (the editor's sandbox). */
  searchPositions(query: RecordQuery, patterns: PatternRunner, signal?: AbortSignal): Promise<Int32Array> {
    return this.base.searchPositions(query, patterns, this.unsavedOverrides(), signal);
  }

  private unsavedOverrides(): RecordOverrides {
    return { records: this.overlaidRecords(this.overlay.values()), reviews: this.reviews.size > 0 ? overridesOf(this.layer()) : undefined };
  }

  /** `positions` in a review order, from the saved scores and marks (an unsaved text edit keeps its place). */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    return this.base.ordered(positions, order);
  }

  private baseCaption(fileName: string, kind: CaptionKind): Caption | null {
    return this.base.get(fileName)?.[kind] ?? null;
  }

  private effectiveCaption(fileName: string, kind: CaptionKind): Caption | null {
    const entry = this.overlay.get(keyOf(fileName, kind));
    if (entry) return entry.caption;
    const caption = this.baseCaption(fileName, kind);
    const review = this.layerSlot(fileName, kind);
    return caption && review !== undefined ? { ...caption, review } : caption;
  }

  private layerSlot(fileName: string, kind: CaptionKind): ReviewState | undefined {
    if (this.reviews.size === 0) return undefined;
    const layer = this.layer();
    return layer.get(layer.rowOf(fileName), kind);
  }

  private slotOf(fileName: string, kind: CaptionKind): OverlaySlot {
    const entry = this.overlay.get(keyOf(fileName, kind));
    return entry ? entry.caption : ABSENT;
  }

  /**
   * Changes one caption's unsaved state, keeping counts and the changed-records set: an overlay slot (a value
   * equal to the base is no edit), then the review layer's slot, which only a caption without an overlay
   * entry has.
   */
  private setSlot(fileName: string, kind: CaptionKind, slot: OverlaySlot, layerReview: ReviewState | undefined = undefined): void {
    const record = this.base.get(fileName);
    if (!record) return;
    const row = this.base.positionOf(fileName);
    const before = this.stateAt(row);
    const key = keyOf(fileName, kind);
    if (slot === ABSENT || sameCaption(slot, record[kind])) this.overlay.delete(key);
    else this.overlay.set(key, { fileName, kind, caption: clone(slot) });
    if (this.reviews.size > 0 || layerReview !== undefined) {
      const shown = this.overlay.has(key) || record[kind] === null || record[kind]!.review === layerReview ? undefined : layerReview;
      this.layer().set(row, kind, shown);
    }
    this.adjustCounts(before, this.stateAt(row));
    this.pendingChanged.add(fileName);
  }

  private adjustCounts(before: RecordState, after: RecordState): void {
    if (before === after) return;
    this.countsValue[before]--;
    this.countsValue[after]++;
  }

  /** Tells listeners which records changed; `now` for edits (the UI answers at once), else once per tick. */
  private flushChanged(now: boolean): void {
    if (now) {
      const names = [...this.pendingChanged];
      this.pendingChanged.clear();
      if (names.length > MAX_NAMED_CHANGES) this.resetEmitter.fire();
      else if (names.length) this.recordsEmitter.fire(names);
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
    const { result, step } = this.editSteps(mutate);
    if (step) this.editEmitter.fire({ label, ...step });
    return result;
  }

  /** Runs `mutate` and returns its undo and redo (none when nothing changed), without announcing an edit. */
  private editSteps<T>(mutate: (editor: CaptionEditor) => T): { result: T; step: Omit<CaptionEdit, 'label'> | null } {
    const steps = new Map<string, EditStep>();
    const write = (fileName: string, kind: CaptionKind, caption: Caption | null) => {
      const key = keyOf(fileName, kind);
      if (!steps.has(key)) {
        steps.set(key, {
          fileName,
          kind,
          beforeSlot: this.slotOf(fileName, kind),
          beforeLayer: this.layerSlot(fileName, kind),
          beforeValue: clone(this.effectiveCaption(fileName, kind)),
          afterValue: null,
        });
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
      for (const s of [...steps.values()].reverse()) this.setSlot(s.fileName, s.kind, s.beforeSlot, s.beforeLayer);
      this.flushChanged(true);
      throw err;
    }
    const changed: EditStep[] = [];
    for (const step of steps.values()) {
      step.afterValue = clone(this.effectiveCaption(step.fileName, step.kind));
      if (!sameCaption(step.beforeValue, step.afterValue)) changed.push(step);
    }
    this.flushChanged(true);
    if (changed.length === 0) return { result, step: null };
    const epoch = this.saveEpoch;
    return { result, step: { undo: () => this.undoSteps(changed, epoch), redo: () => this.redoSteps(changed) } };
  }

  private undoSteps(steps: readonly EditStep[], epoch: number): void {
    if (!this.loaded) return;
    // Nothing saved since the edit: put the overlay back as it was, so the base (and what the disk
    // brought into it meanwhile) shows through. After a save, the base holds the edit: restore the value.
    for (const s of [...steps].reverse()) {
      if (epoch === this.saveEpoch) this.setSlot(s.fileName, s.kind, s.beforeSlot, s.beforeLayer);
      else this.setSlot(s.fileName, s.kind, s.beforeValue);
    }
    this.flushChanged(true);
  }

  private redoSteps(steps: readonly EditStep[]): void {
    if (!this.loaded) return;
    for (const s of steps) this.setSlot(s.fileName, s.kind, s.afterValue);
    this.flushChanged(true);
  }

  /**
   * Reviews many captions as one undoable edit, in memory bounded by a few bytes a caption: `rows` are
   * positions in manifest order (`matchPositions`), `kinds` the captions to review. Approving or rejecting
   * leaves a caption someone already decided otherwise alone (counted as kept); clearing clears any review.
   */
  reviewMany(label: string, rows: ArrayLike<number>, kindList: readonly CaptionKind[], review: ReviewState): BulkReviewResult {
    const kinds = [...new Set(kindList)];
    const names = this.base.names();
    const layer = this.layer();
    const result: BulkReviewResult = { changed: 0, kept: 0 };
    const step: BulkReviewStep = { names: [], kinds: new Uint8Array(rows.length * kinds.length), beforeSlot: new Uint8Array(rows.length * kinds.length), beforeReview: new Uint8Array(rows.length * kinds.length), after: review };
    const overlaid: { fileName: string; kind: CaptionKind }[] = [];
    const touched: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const name = names[row];
      if (name === undefined) continue;
      const facts = this.factsAt(row);
      let changedRow = false;
      for (const kind of kinds) {
        const shown = facts[kind];
        if (!shown || shown.review === review) continue;
        if (review !== null && shown.review !== null) {
          result.kept++;
          continue;
        }
        result.changed++;
        changedRow = true;
        // A caption with an unsaved text edit keeps it whole: its review goes into that overlay entry.
        if (this.overlay.has(keyOf(name, kind))) {
          overlaid.push({ fileName: name, kind });
          continue;
        }
        const at = step.names.length;
        step.names.push(name);
        step.kinds[at] = kind === 'ssc' ? 0 : 1;
        step.beforeSlot[at] = reviewCode(layer.get(row, kind));
        step.beforeReview[at] = reviewCode(shown.review);
      }
      if (changedRow) touched.push(row);
    }
    if (result.changed === 0) return result;
    const before = touched.map((row) => this.stateAt(row));
    for (let at = 0; at < step.names.length; at++) this.setLayerSlot(layer, this.base.positionOf(step.names[at]!), CAPTION_KINDS[step.kinds[at]!]!, review);
    touched.forEach((row, i) => this.adjustCounts(before[i]!, this.stateAt(row)));
    const trimmed: BulkReviewStep = { ...step, kinds: step.kinds.slice(0, step.names.length), beforeSlot: step.beforeSlot.slice(0, step.names.length), beforeReview: step.beforeReview.slice(0, step.names.length) };
    const epoch = this.saveEpoch;
    // The few captions with text edits go through the ordinary edit path, as part of the same undo step.
    const textSteps = overlaid.length > 0 ? this.editSteps((e) => overlaid.forEach((o) => e.setReview(o.fileName, o.kind, review))).step : null;
    this.announce(touched.map((row) => names[row]!));
    this.editEmitter.fire({
      label,
      undo: () => {
        textSteps?.undo();
        this.undoBulk(trimmed, epoch);
      },
      redo: () => {
        this.redoBulk(trimmed);
        textSteps?.redo();
      },
    });
    return result;
  }

  /** Sets a layer slot: a review equal to the base's is no edit. Counts are the caller's. */
  private setLayerSlot(layer: ReviewLayer, row: number, kind: CaptionKind, review: ReviewState | undefined): void {
    if (row < 0) return;
    const base = this.base.factsAt(row)[kind];
    layer.set(row, kind, base === null || base.review === review ? undefined : review);
  }

  private undoBulk(step: BulkReviewStep, epoch: number): void {
    if (!this.loaded) return;
    // Nothing saved since: the layer as it was. After a save the base holds the reviews: show the old ones.
    const codes = epoch === this.saveEpoch ? step.beforeSlot : step.beforeReview;
    this.applyBulk(step, (at) => reviewOfCode(codes[at]!));
  }

  private redoBulk(step: BulkReviewStep): void {
    if (!this.loaded) return;
    this.applyBulk(step, () => step.after);
  }

  private applyBulk(step: BulkReviewStep, reviewAt: (at: number) => ReviewState | undefined): void {
    const layer = this.layer();
    const changed = new Set<string>();
    let previous = '';
    let row = -1;
    let before: RecordState = 'uncaptioned';
    for (let at = 0; at < step.names.length; at++) {
      const name = step.names[at]!;
      if (name !== previous) {
        if (row >= 0) this.adjustCounts(before, this.stateAt(row));
        previous = name;
        row = this.base.positionOf(name);
        if (row >= 0) before = this.stateAt(row);
      }
      if (row < 0) continue;
      const kind = CAPTION_KINDS[step.kinds[at]!]!;
      // A caption edited since as text holds its review in the overlay: the layer leaves it alone.
      if (this.overlay.has(keyOf(name, kind))) continue;
      this.setLayerSlot(layer, row, kind, reviewAt(at));
      changed.add(name);
    }
    if (row >= 0) this.adjustCounts(before, this.stateAt(row));
    this.announce([...changed]);
  }

  /** Tells views which records changed: by name for a few, as a reset for many. */
  private announce(names: string[]): void {
    if (names.length > MAX_NAMED_CHANGES) this.resetEmitter.fire();
    else if (names.length > 0) this.recordsEmitter.fire(names);
  }

  /** Puts unsaved edits from a backup back on top of the base (not an undoable step: they were there). */
  restoreUnsaved(entries: readonly OverlayEntry[], reviews: readonly UnsavedReview[] = []): number {
    let restored = 0;
    for (const e of entries) {
      if (!this.base.get(e.fileName) || (e.kind !== 'ssc' && e.kind !== 'dsc')) continue;
      this.setSlot(e.fileName, e.kind, e.caption);
      restored++;
    }
    const layer = this.layer();
    for (const r of reviews) {
      if ((r.kind !== 'ssc' && r.kind !== 'dsc') || (r.review !== null && r.review !== 'approved' && r.review !== 'rejected') || typeof r.fileName !== 'string') continue;
      const row = this.base.positionOf(r.fileName);
      if (row < 0 || this.overlay.has(keyOf(r.fileName, r.kind))) continue;
      this.setLayerSlot(layer, row, r.kind, r.review);
      restored++;
    }
    if (reviews.length > 0) this.recount();
    this.flushChanged(true);
    if (reviews.length > MAX_NAMED_CHANGES) this.resetEmitter.fire();
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
        // An unsaved edit, a review too, is a person's: the run leaves that caption alone.
        if ((model.overlay.has(keyOf(fileName, kind)) || model.layerSlot(fileName, kind) !== undefined) && !options.override) return 'protected';
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
  private async writeFile(overrides?: RecordOverrides): Promise<void> {
    const runWritten = [...this.runWritten];
    await this.base.saveTo(this.manifestPath, overrides);
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
      const reviews = this.reviews.size > 0 ? this.layer().snapshot() : null;
      await this.writeFile({ records: this.overlaidRecords(written.values()), reviews: reviews ? overridesOf(reviews) : undefined });
      // The base now reads what was written. A record a run changed while the file was written holds the
      // run's value: the saved edit goes onto it.
      const baseClean = !this.base.isDirty;
      for (const [key, entry] of written) {
        if (this.base.isHeld(entry.fileName)) this.base.setCaption(entry.fileName, entry.kind, clone(entry.caption));
        // An edit made while the file was being written stays unsaved.
        if (this.overlay.get(key) === entry) this.overlay.delete(key);
      }
      if (reviews) this.foldSavedReviews(reviews);
      if (baseClean) this.base.markSaved();
      this.saveEpoch++;
      this.disk = await stampOf(this.manifestPath);
    });
  }

  /** After a save: the written reviews are the base's now; those not changed during the save leave the layer. */
  private foldSavedReviews(saved: ReviewLayer): void {
    const layer = this.layer();
    for (const slot of saved.slots()) {
      if (this.base.isHeld(slot.fileName)) {
        const caption = this.base.get(slot.fileName)?.[slot.kind];
        if (caption && caption.review !== slot.review) this.base.setCaption(slot.fileName, slot.kind, { ...caption, review: slot.review });
      }
      const row = layer.rowOf(slot.fileName, slot.row);
      if (layer.get(row, slot.kind) === slot.review) layer.set(row, slot.kind, undefined);
    }
  }

  /** Writes base + overlay to another file; this model's saved state does not change. */
  saveAs(target: string): Promise<void> {
    return this.serialized(async () => {
      await this.ready;
      await this.base.saveTo(target, { records: this.overlaidRecords(this.overlay.values()), reviews: this.reviews.size > 0 ? overridesOf(this.layer()) : undefined });
    });
  }

  /** Drops the unsaved edits and reads the file again. */
  revert(): Promise<void> {
    return this.serialized(async () => {
      await this.ready;
      this.overlay.clear();
      this.reviews.clear();
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
    if (!this.loaded || !this.hasUnsavedEdits) return;
    this.overlay.clear();
    this.reviews.clear();
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
    if (old && old !== fresh && this.reviews.size > 0) this.rebaseReviews(old, fresh);
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
    for (const column of this.columnsWanted) void this.computeColumn(column).catch(() => undefined);
  }

  /**
   * Moves the layer's reviews onto a new base, by name. A review stays only where the caption looks the
   * same (author and length, from the columns: a million records are not parsed twice) and the new base's
   * review differs; a caption changed on disk is no longer the one reviewed.
   */
  private rebaseReviews(old: ManifestStore, fresh: ManifestStore): void {
    const moved: { row: number; kind: CaptionKind; review: ReviewState }[] = [];
    for (const slot of this.reviews.slots()) {
      const was = old.factsAt(slot.row)[slot.kind];
      const row = fresh.positionOf(slot.fileName);
      const now = row < 0 ? null : fresh.factsAt(row)[slot.kind];
      if (!was || !now || was.by !== now.by || was.length !== now.length || now.review === slot.review) continue;
      moved.push({ row, kind: slot.kind, review: slot.review });
    }
    this.reviews.clear();
    this.reviews.align(fresh.names());
    for (const m of moved) this.reviews.set(m.row, m.kind, m.review);
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

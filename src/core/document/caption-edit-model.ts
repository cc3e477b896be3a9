// The caption document's edit model, with no vscode import (the shape of vscode-hexeditor's
// HexDocumentModel): the one model per manifest that the editor and runs share. It holds the saved base and
// the user's unsaved edits on top (layered-records.ts), and puts together the parts that change them, each
// with one job: the edit log and undo (edit-log.ts), bulk review (bulk-review.ts), the runs' access under
// the human-edit rule (run-access.ts), the file's writes in order (manifest-writes.ts), the merge with a
// change on disk (disk-merge.ts) and the index's column passes (column-passes.ts).
import type { DatasetThresholds } from '../dataset/defect-bits.js';
import * as path from 'node:path';
import type { CaptionKind, ManifestRecord, ReviewState } from '../../shared/record.js';
import type { Counts, RecordFacts, RecordQuery, ReviewOrder } from '../../shared/record-query.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import { ManifestStore, type ManifestOpenOptions } from '../dataset/manifest-store.js';
import type { PatternRunner } from '../dataset/pattern-runner.js';
import { BulkReview, type BulkReviewResult } from './bulk-review.js';
import { ColumnPasses } from './lazy-column-passes.js';
import { DiskMerge, type DiskConflict } from './disk-merge.js';
import { EditLog, type CaptionEdit, type CaptionEditor } from './edit-log.js';
import { LayeredRecords, ManifestLoadingError, type UnsavedReview } from './layered-records.js';
import { readHead } from './manifest-head.js';
import { ManifestWrites } from './manifest-writes.js';
import type { OverlayEntry } from './overlay.js';
import { runAccessOf } from './run-access.js';

export { ManifestLoadingError };
export type { BulkReviewResult, CaptionEdit, CaptionEditor, DiskConflict, OverlayEntry, UnsavedReview };

export class CaptionEditModel {
  private readonly layers: LayeredRecords;
  private readonly log: EditLog;
  private readonly bulk: BulkReview;
  private readonly passes: ColumnPasses;
  private readonly disk: DiskMerge;
  private readonly writes: ManifestWrites;

  /** An undoable edit happened. */
  readonly onDidEdit: EditLog['onDidEdit'];
  /** These records changed in place (edits, undo, runs). Run writes are coalesced per tick. */
  readonly onDidChangeRecords: LayeredRecords['onDidChangeRecords'];
  /** The record list was replaced (load, revert, a change on disk, a column pass). */
  readonly onDidReset: LayeredRecords['onDidReset'];
  /** A merge from disk found captions changed on both sides. */
  readonly onDidFindConflicts: DiskMerge['onDidFindConflicts'];

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
    openOptions: ManifestOpenOptions,
  ) {
    this.loadedPromise.catch(() => undefined);
    const ready = () => this.ready;
    this.layers = new LayeredRecords(manifestPath, head);
    this.log = new EditLog(this.layers);
    this.bulk = new BulkReview(this.layers, this.log);
    this.passes = new ColumnPasses(this.layers, ready);
    this.disk = new DiskMerge(this.layers, () => ManifestStore.open(this.folder, this.fileName, openOptions), () => this.passes.renew());
    this.writes = new ManifestWrites(this.layers, this.disk, ready);
    this.onDidEdit = this.log.onDidEdit;
    this.onDidChangeRecords = this.layers.onDidChangeRecords;
    this.onDidReset = this.layers.onDidReset;
    this.onDidFindConflicts = this.disk.onDidFindConflicts;
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
      this.disk.load().then(this.resolveLoaded, this.rejectLoaded);
    }
    return this.loadedPromise;
  }

  get loaded(): boolean {
    return this.layers.loaded;
  }

  /** Bumped when the record list is replaced (load, reload), so cached indexes are thrown away. */
  get generation(): number {
    return this.layers.generation;
  }

  // ---------------------------------------------------------------------------------------------
  // The index's column passes

  /**
   * Flags every record's own defects in the base's index (one pass; until it ends the flag filter shows
   * none), then tells views to refetch. Asked once, it is done again for every new base.
   */
  computeDefects(): Promise<void> {
    return this.passes.compute('defects');
  }

  /** Marks the records in duplicate groups in the base's index, as computeDefects does the flags. */
  computeDuplicates(): Promise<void> {
    return this.passes.compute('duplicates');
  }

  /** Whether the base's index holds every record's duplicate mark. */
  get duplicatesReady(): boolean {
    return this.passes.isReady('duplicates');
  }

  /** Whether the base's index holds every record's defect flags. */
  get defectsReady(): boolean {
    return this.passes.isReady('defects');
  }

  /** The dataset thresholds (length fences, low-score cuts) the defect flags were computed with, if they were. */
  get defectThresholds(): DatasetThresholds | null {
    return this.layers.currentBase?.defectThresholds ?? null;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading: the effective records (base with the unsaved edits on top)

  get size(): number {
    return this.layers.base.size;
  }

  get problems(): ManifestStore['problems'] {
    return this.layers.base.problems;
  }

  names(): readonly string[] {
    return this.layers.base.names();
  }

  get(fileName: string): ManifestRecord | undefined {
    return this.layers.get(fileName);
  }

  *records(): IterableIterator<ManifestRecord> {
    yield* this.layers.records();
  }

  getCounts(): Counts {
    return this.layers.counts;
  }

  /** Records the base holds in memory until the next save (what bounds a long session's memory). */
  get heldRecords(): number {
    return this.layers.base.heldRecords;
  }

  get hasUnsavedEdits(): boolean {
    return this.layers.hasUnsavedEdits;
  }

  /** The unsaved edits: what a backup holds, with unsavedReviews. */
  unsavedEdits(): OverlayEntry[] {
    return this.layers.unsavedEdits();
  }

  /** The unsaved reviews held in the compact layer (a bulk review's). */
  unsavedReviews(): UnsavedReview[] {
    return this.layers.unsavedReviews();
  }

  /** A record's position in manifest order, or -1. */
  positionOf(fileName: string): number {
    return this.layers.base.positionOf(fileName);
  }

  /** The facts (authors, reviews, lengths, error) of the record at a position, as shown. */
  factsAt(position: number): RecordFacts {
    return this.layers.factsAt(position);
  }

  /** Positions of the records a query shows, unsaved edits included, searched on this thread. Throws QueryError for a bad regex. */
  matchPositions(query: RecordQuery): Int32Array {
    return this.layers.matchPositions(query);
  }

  /** `matchPositions` with a regular expression run through `patterns` (the editor's sandbox). */
  searchPositions(query: RecordQuery, patterns: PatternRunner, signal?: AbortSignal): Promise<Int32Array> {
    return this.layers.searchPositions(query, patterns, signal);
  }

  /** `positions` in a review order, from the saved scores and marks (an unsaved text edit keeps its place). */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    return this.layers.ordered(positions, order);
  }

  // ---------------------------------------------------------------------------------------------
  // Edits

  /**
   * Runs `mutate` against the effective records and turns what it changed into one undoable edit, which
   * listeners of onDidEdit receive. Returns mutate's result.
   */
  edit<T>(label: string, mutate: (editor: CaptionEditor) => T): T {
    return this.log.edit(label, mutate);
  }

  /** Reviews many captions (`rows`: positions in manifest order) as one undoable edit; see BulkReview. */
  reviewMany(label: string, rows: ArrayLike<number>, kinds: readonly CaptionKind[], review: ReviewState): BulkReviewResult {
    return this.bulk.reviewMany(label, rows, kinds, review);
  }

  /** Puts unsaved edits from a backup back on top of the base (not an undoable step: they were there). */
  restoreUnsaved(entries: readonly OverlayEntry[], reviews: readonly UnsavedReview[] = []): number {
    return this.layers.restoreUnsaved(entries, reviews);
  }

  /** A ManifestAccess for captioning, scanning and upsampling runs while this model is open. */
  runAccess(): ManifestAccess {
    return runAccessOf({ records: this.layers, runWritten: this.disk.runWritten, checkpoint: () => this.checkpointBase() });
  }

  // ---------------------------------------------------------------------------------------------
  // The file: save, revert, changes on disk

  /** Writes the base alone (a run's checkpoint): the file then holds everything but the unsaved edits. */
  checkpointBase(): Promise<void> {
    return this.writes.checkpoint();
  }

  /** Writes base + unsaved edits atomically and streamed, then folds the written edits into the base. */
  save(): Promise<void> {
    return this.writes.save();
  }

  /** Writes base + unsaved edits to another file; this model's saved state does not change. */
  saveAs(target: string): Promise<void> {
    return this.writes.saveAs(target);
  }

  /** Drops the unsaved edits and reads the file again. */
  revert(): Promise<void> {
    return this.writes.revert();
  }

  /**
   * Forgets the unsaved edits without reading the file (the editor was closed without saving while a run
   * still holds this model).
   */
  discardUnsaved(): void {
    if (!this.loaded || !this.hasUnsavedEdits) return;
    this.disk.clearConflicts();
    this.layers.discardUnsaved();
  }

  /** True when the file is not what this model last read or wrote. */
  changedOnDisk(): Promise<boolean> {
    return this.disk.changedOnDisk();
  }

  /** Merges the file into the base when it changed on disk; returns the conflicts it found. */
  mergeFromDisk(): Promise<readonly DiskConflict[]> {
    return this.writes.mergeFromDisk();
  }

  conflicts(): readonly DiskConflict[] {
    return this.disk.conflicts();
  }

  /** The user's choice for a conflict: keep the unsaved edit, or take the disk's version. */
  resolveConflict(fileName: string, kind: CaptionKind, keep: 'mine' | 'theirs'): void {
    this.disk.resolveConflict(fileName, kind, keep);
  }

  dispose(): void {
    this.layers.dispose();
    this.log.dispose();
    this.disk.dispose();
  }
}

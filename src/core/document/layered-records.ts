// The records as the editor shows them: the saved base (the manifest as on disk, plus what runs wrote) with
// the user's unsaved edits on top, as an overlay of whole captions and a compact layer of reviews. It keeps
// the badge counts and tells views which records changed. The edit log, bulk review, run access and the
// disk merge all change the unsaved state through `setSlot` and `setLayerSlot`, so counts stay exact.
import { CAPTION_KINDS, type Caption, type CaptionKind, type ManifestRecord, type ReviewState } from '../../shared/record.js';
import { factsOf, recordState, type Counts, type RecordFacts, type RecordQuery, type RecordState, type ReviewOrder } from '../../shared/record-query.js';
import { sameCaption } from '../dataset/caption-writes.js';
import type { ManifestStore } from '../dataset/manifest-store.js';
import { countRecords } from '../dataset/query.js';
import { withReviewOverrides, type RecordOverrides } from '../dataset/record-overrides.js';
import type { PatternRunner } from '../dataset/pattern-runner.js';
import { Emitter } from './emitter.js';
import { ABSENT, clone, keyOf, overlaid, type OverlayEntry, type OverlaySlot } from './overlay.js';
import { overridesOf, rebaseReviews, ReviewLayer } from './review-layer.js';

/** More records than this changed at once are announced as a reset (views refetch) instead of by name. */
const MAX_NAMED_CHANGES = 500;

/** An unsaved review held in the compact layer (what a backup holds besides the overlay). */
export interface UnsavedReview {
  fileName: string;
  kind: CaptionKind;
  review: ReviewState;
}

export class ManifestLoadingError extends Error {
  override name = 'ManifestLoadingError';
}

export class LayeredRecords {
  private baseValue: ManifestStore | null = null;
  /** The user's unsaved captions, whole. */
  readonly overlay = new Map<string, OverlayEntry>();
  /** Unsaved reviews of captions with no overlay entry, a byte each: what a bulk review writes. */
  readonly reviews = new ReviewLayer();
  /** Bumped by every save and revert: an undo from before one restores concrete values. */
  saveEpoch = 0;
  /** Bumped when the record list is replaced (load, reload), so cached indexes are thrown away. */
  generation = 0;
  private countsValue: Counts;
  private readonly pendingChanged = new Set<string>();
  private flushScheduled = false;

  private readonly recordsEmitter = new Emitter<readonly string[]>();
  /** These records changed in place (edits, undo, runs). Run writes are coalesced per tick. */
  readonly onDidChangeRecords = this.recordsEmitter.event;
  private readonly resetEmitter = new Emitter<void>();
  /** The record list was replaced (load, revert, a change on disk). */
  readonly onDidReset = this.resetEmitter.event;

  constructor(
    readonly manifestPath: string,
    head: readonly ManifestRecord[],
  ) {
    this.countsValue = countRecords(head);
  }

  get loaded(): boolean {
    return this.baseValue !== null;
  }

  /** The saved records; throws ManifestLoadingError until the manifest is loaded. */
  get base(): ManifestStore {
    if (!this.baseValue) throw new ManifestLoadingError(`${this.manifestPath} is still loading`);
    return this.baseValue;
  }

  /** The base, or null while loading (for a pass that must tell whether its base was replaced). */
  get currentBase(): ManifestStore | null {
    return this.baseValue;
  }

  /** Puts a freshly read base in place (load, revert, merge): the overlay keeps what still differs. */
  replaceBase(fresh: ManifestStore): void {
    const old = this.baseValue;
    if (old && old !== fresh && this.reviews.size > 0) rebaseReviews(this.reviews, old, fresh);
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
  }

  /** The index changed under every query (a column pass ended): views refetch. */
  reindexed(): void {
    this.generation++;
    this.resetEmitter.fire();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading, as shown

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
  layer(): ReviewLayer {
    this.reviews.align(this.base.names());
    return this.reviews;
  }

  get counts(): Counts {
    return this.countsValue;
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

  /** Counts from the base's columns, with the records that have unsaved edits counted as they are shown. */
  recount(): void {
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
  stateAt(row: number): RecordState {
    return recordState(this.factsAt(row));
  }

  /** The records that `entries` change, with those changes on top of the base. */
  overlaidRecords(entries: Iterable<OverlayEntry>): Map<string, ManifestRecord> {
    const out = new Map<string, ManifestRecord>();
    for (const e of entries) {
      const record = out.get(e.fileName) ?? this.base.get(e.fileName);
      if (record) out.set(e.fileName, { ...record, [e.kind]: e.caption });
    }
    return out;
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

  /** The unsaved edits as the store's save and search take them. */
  unsavedOverrides(): RecordOverrides {
    return { records: this.overlaidRecords(this.overlay.values()), reviews: this.reviews.size > 0 ? overridesOf(this.layer()) : undefined };
  }

  /** `positions` in a review order, from the saved scores and marks (an unsaved text edit keeps its place). */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    return this.base.ordered(positions, order);
  }

  // ---------------------------------------------------------------------------------------------
  // One caption's unsaved state

  effectiveCaption(fileName: string, kind: CaptionKind): Caption | null {
    const entry = this.overlay.get(keyOf(fileName, kind));
    if (entry) return entry.caption;
    const caption = this.base.get(fileName)?.[kind] ?? null;
    const review = this.layerSlot(fileName, kind);
    return caption && review !== undefined ? { ...caption, review } : caption;
  }

  layerSlot(fileName: string, kind: CaptionKind): ReviewState | undefined {
    if (this.reviews.size === 0) return undefined;
    const layer = this.layer();
    return layer.get(layer.rowOf(fileName), kind);
  }

  slotOf(fileName: string, kind: CaptionKind): OverlaySlot {
    const entry = this.overlay.get(keyOf(fileName, kind));
    return entry ? entry.caption : ABSENT;
  }

  /**
   * Changes one caption's unsaved state, keeping counts and the changed-records set: an overlay slot (a value
   * equal to the base is no edit), then the review layer's slot, which only a caption without an overlay
   * entry has.
   */
  setSlot(fileName: string, kind: CaptionKind, slot: OverlaySlot, layerReview: ReviewState | undefined = undefined): void {
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

  /** Sets a layer slot: a review equal to the base's is no edit. Counts are the caller's. */
  setLayerSlot(layer: ReviewLayer, row: number, kind: CaptionKind, review: ReviewState | undefined): void {
    if (row < 0) return;
    const base = this.base.factsAt(row)[kind];
    layer.set(row, kind, base === null || base.review === review ? undefined : review);
  }

  adjustCounts(before: RecordState, after: RecordState): void {
    if (before === after) return;
    this.countsValue[before]--;
    this.countsValue[after]++;
  }

  /** A record a run added to the base: counted as shown. */
  countAdded(record: ManifestRecord): void {
    this.countsValue.total++;
    this.countsValue[recordState(record)]++;
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

  /** Drops every unsaved edit (a revert, or a discard); an undo from before restores concrete values. */
  clearUnsaved(): void {
    this.overlay.clear();
    this.reviews.clear();
    this.saveEpoch++;
  }

  /** Drops every unsaved edit without reading the file, and tells views. */
  discardUnsaved(): void {
    this.clearUnsaved();
    this.recount();
    this.resetEmitter.fire();
  }

  // ---------------------------------------------------------------------------------------------
  // Change notices

  /** A record changed outside an edit (a run's write): announced with the next flush. */
  noteChanged(fileName: string): void {
    this.pendingChanged.add(fileName);
  }

  /** Tells listeners which records changed; `now` for edits (the UI answers at once), else once per tick. */
  flushChanged(now: boolean): void {
    if (now) {
      const names = [...this.pendingChanged];
      this.pendingChanged.clear();
      this.announce(names);
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushChanged(true);
    });
  }

  /** Tells views which records changed: by name for a few, as a reset for many. */
  announce(names: string[]): void {
    if (names.length > MAX_NAMED_CHANGES) this.resetEmitter.fire();
    else if (names.length > 0) this.recordsEmitter.fire(names);
  }

  dispose(): void {
    this.baseValue?.close();
    this.recordsEmitter.dispose();
    this.resetEmitter.dispose();
  }
}

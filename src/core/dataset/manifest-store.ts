// The manifest store: loads recaption.jsonl, applies changes, saves atomically. It is the one place that
// enforces "a machine never overwrites a human": every caption write goes through it. The parts it puts
// together: the index and the held records (indexed-manifest.ts), the search (manifest-search.ts), the
// passes that fill the defect and duplicate columns (record-column-passes.ts) and the save (manifest-save.ts).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import {
  CAPTION_KINDS,
  MANIFEST_NAME,
  isProtectedCaption,
  type Caption,
  type CaptionKind,
  type ManifestRecord,
  type ReviewState,
} from '../../shared/record.js';
import type { Counts, RecordFacts, RecordQuery, ReviewOrder } from '../../shared/record-query.js';
import { assertCaptionFits, MAX_CAPTION_CHARS } from '../limits.js';
import { writeFileAtomic } from './atomic-write.js';
import { humanEdit, machineCaption, withReview, withScores, type MachineCaption, type TextScores } from './caption-writes.js';
import type { DatasetThresholds } from './defect-bits.js';
import { IndexedManifest, ManifestLoadError } from './indexed-manifest.js';
import { FileLineSource, ManifestChangedError } from './line-source.js';
import type { ManifestAccess, WriteOptions, WriteOutcome } from './manifest-access.js';
import { joinChunks, type ManifestProblem } from './manifest-codec.js';
import { indexInThread, type ManifestIndexer } from './manifest-indexer.js';
import { SavedLayout, saveChunks } from './manifest-save.js';
import { matchPositions, searchPositions } from './manifest-search.js';
import type { PatternRunner } from './pattern-runner.js';
import { computeDefects, computeDuplicates } from './record-column-passes.js';
import { NO_OVERRIDES, type RecordOverrides } from './record-overrides.js';

export type { MachineCaption };

export type { WriteOptions, WriteOutcome };

export { ManifestChangedError, ManifestLoadError };

export interface ManifestOpenOptions {
  /** Builds the index (default: on this thread). The extension host builds it in a worker. */
  indexer?: ManifestIndexer;
}

/**
 * The manifest as an index over its file (see manifest-index.ts): records are parsed when asked for, through
 * a bounded cache; changed and new records are held until they are saved. A save streams the file: each
 * unchanged line is copied as it is, each changed one written anew, in name order.
 */
export class ManifestStore implements ManifestAccess {
  /** Counts every change; a saver compares it to know whether there is anything to write. */
  private revision = 0;
  private savedRevision = 0;
  private saving: Promise<unknown> = Promise.resolve();
  private savesInFlight = 0;

  private constructor(
    readonly folder: string,
    private readonly manifest: IndexedManifest,
    /** recaption.jsonl, or a shard manifest's name for sharded runs. */
    readonly fileName: string = MANIFEST_NAME,
  ) {}

  get manifestPath(): string {
    return path.join(this.folder, this.fileName);
  }

  /** Indexes the folder's manifest, or starts an empty one when there is none yet. */
  static async open(folder: string, fileName: string = MANIFEST_NAME, options: ManifestOpenOptions = {}): Promise<ManifestStore> {
    const manifest = await IndexedManifest.load(path.join(folder, fileName), options.indexer ?? indexInThread);
    return new ManifestStore(folder, manifest, fileName);
  }

  static fromText(folder: string, text: string, fileName: string = MANIFEST_NAME): ManifestStore {
    return new ManifestStore(folder, IndexedManifest.fromBytes(path.join(folder, fileName), Buffer.from(text, 'utf8')), fileName);
  }

  get size(): number {
    return this.manifest.size;
  }

  get problems(): readonly ManifestProblem[] {
    return this.manifest.index.problems;
  }

  get isDirty(): boolean {
    return this.revision !== this.savedRevision;
  }

  /** Records held in memory until the next save (changed or new): what a long write loop watches to bound memory. */
  get heldRecords(): number {
    return this.manifest.heldRecords;
  }

  /** Whether a record's value is held in memory (changed or added since the last save), not read from the file. */
  isHeld(fileName: string): boolean {
    return this.manifest.isHeld(fileName);
  }

  /** Closes the manifest file. The store must not be read afterwards. */
  close(): void {
    this.manifest.close();
  }

  get(fileName: string): ManifestRecord | undefined {
    return this.manifest.get(fileName);
  }

  /** File names in manifest order (sorted). The array is replaced, never changed, when records are added. */
  names(): readonly string[] {
    return this.manifest.settled().names;
  }

  /** A record's position in manifest order, or -1. */
  positionOf(fileName: string): number {
    this.manifest.settle();
    return this.manifest.rowOf(fileName);
  }

  /** The facts of the record at a position, from the columns (no parse). */
  factsAt(position: number): RecordFacts {
    return this.manifest.settled().columns.factsAt(position);
  }

  /** `positions` in a review order (from the columns: the saved scores, audit marks and defect flags). */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    return this.manifest.settled().columns.ordered(positions, order);
  }

  counts(): Counts {
    return this.manifest.settled().columns.counts();
  }

  /** The records in manifest order, read one after the other (nothing is kept). */
  records(): IterableIterator<ManifestRecord> {
    return this.manifest.records();
  }

  /**
   * Positions of the records a query shows, in manifest order. Facts come from the columns; a text search
   * reads the lines, parsing only those that can match. `overrides` are what to judge instead of the stored
   * values (an editor's unsaved edits). The search runs on this thread: a user's regular expression goes
   * through `searchPositions` instead. Throws QueryError for a bad regex.
   */
  matchPositions(query: RecordQuery, overrides: RecordOverrides = NO_OVERRIDES): Int32Array {
    return matchPositions(this.manifest, query, overrides);
  }

  /**
   * `matchPositions`, with a regular expression run through `patterns` (the editor's pattern sandbox), a
   * batch of lines at a time, so this thread's event loop turns while it searches. Stops when `signal` is aborted.
   */
  searchPositions(query: RecordQuery, patterns: PatternRunner, overrides: RecordOverrides = NO_OVERRIDES, signal?: AbortSignal): Promise<Int32Array> {
    return searchPositions(this.manifest, query, patterns, overrides, signal);
  }

  /** Whether every record's duplicate mark is in the index (computeDuplicates has run over this index). */
  get duplicatesReady(): boolean {
    return this.manifest.index.columns.duplicatesReady;
  }

  /** Marks the records in duplicate groups in the index; starts over when the index changes under it. */
  computeDuplicates(): Promise<void> {
    return computeDuplicates(this.manifest);
  }

  /** Whether every record's defect flags are in the index (computeDefects has run over this index). */
  get defectsReady(): boolean {
    return this.manifest.index.columns.defectsReady;
  }

  /**
   * Fills the index's defect-flag column in one pass, a block at a time so the caller's event loop keeps
   * turning. Starts over when the index changes under it; idempotent.
   */
  computeDefects(signal?: AbortSignal): Promise<void> {
    return computeDefects(this.manifest, signal);
  }

  /** The dataset thresholds the defect column was computed with; null before computeDefects. */
  get defectThresholds(): DatasetThresholds | null {
    return this.manifest.index.columns.thresholds;
  }

  /** Adds a record or replaces one wholesale. Used by the scanner, which owns the non-caption fields. */
  put(record: ManifestRecord): void {
    this.checkNewCaptions(record);
    this.replace(record);
  }

  /**
   * Refuses a caption text over the limit that the record does not hold already (a manifest written by
   * another tool may hold one: a scan's put of that record writes nothing new).
   */
  private checkNewCaptions(record: ManifestRecord): void {
    for (const kind of CAPTION_KINDS) {
      const text = record[kind]?.text;
      if (text !== undefined && text.length > MAX_CAPTION_CHARS && text !== this.get(record.file_name)?.[kind]?.text) assertCaptionFits(text, record.file_name, kind);
    }
  }

  private replace(record: ManifestRecord): void {
    this.manifest.hold(record);
    this.revision++;
  }

  private require(fileName: string): ManifestRecord {
    const record = this.get(fileName);
    if (!record) throw new Error(`no record for "${fileName}" in ${this.manifestPath}`);
    return record;
  }

  /**
   * A machine's caption. Refused ('protected') when the caption there is human-written or reviewed,
   * unless `override` is set.
   */
  writeMachineCaption(fileName: string, kind: CaptionKind, caption: MachineCaption, options: WriteOptions = {}): WriteOutcome {
    const next = machineCaption(caption);
    assertCaptionFits(next.text, fileName, kind);
    const record = this.require(fileName);
    if (isProtectedCaption(record[kind]) && !options.override) return 'protected';
    this.replace({ ...record, [kind]: next });
    return 'written';
  }

  /** A person's text. Keeps the machine's text it replaced in `original`, so provenance stays visible. */
  writeHumanCaption(fileName: string, kind: CaptionKind, text: string): void {
    const record = this.require(fileName);
    const next = humanEdit(record[kind], text);
    if (!next) return;
    assertCaptionFits(next.text, fileName, kind);
    this.replace({ ...record, [kind]: next });
  }

  setReview(fileName: string, kind: CaptionKind, review: ReviewState): void {
    const record = this.require(fileName);
    const caption = record[kind];
    if (!caption) throw new Error(`"${fileName}" has no ${kind.toUpperCase()} to review`);
    const next = withReview(caption, review);
    if (next) this.replace({ ...record, [kind]: next });
  }

  setError(fileName: string, error: string | null): void {
    const record = this.require(fileName);
    if (record.error !== error) this.replace({ ...record, error });
  }

  setScores(fileName: string, model: string, scores: TextScores): number {
    const { record, applied } = withScores(this.require(fileName), model, scores);
    this.replace(record);
    return applied;
  }

  /** Sets one caption exactly as given (no human-edit rule): for an edit model folding saved edits in. */
  setCaption(fileName: string, kind: CaptionKind, caption: Caption | null): void {
    this.replace({ ...this.require(fileName), [kind]: caption });
  }

  /** The manifest's text as it would be saved (for tests and small manifests). */
  serialize(): string {
    return joinChunks(this.chunksAsSaved());
  }

  /** sha256 of the manifest as it would be saved (equal to the file's when the store saved it). */
  sha256(): string {
    const hash = createHash('sha256');
    for (const chunk of this.chunksAsSaved()) hash.update(chunk);
    return hash.digest('hex');
  }

  /** What a save would write now, without writing it (where the lines would go is not kept). */
  private chunksAsSaved(): Iterable<Uint8Array> {
    const snapshot = this.manifest.snapshot();
    return saveChunks(snapshot, NO_OVERRIDES, SavedLayout.of(snapshot));
  }

  /** Writes the manifest atomically; throws WriteError with an actionable message on failure. */
  async save(): Promise<void> {
    await this.saveTo(this.manifestPath);
  }

  /**
   * Writes the manifest atomically to `target` (Save As when it is not the manifest's own path), with
   * `overrides` written instead of the stored values (an editor's unsaved edits). Written to the store's own
   * file, what was written becomes the store's values, read back from the file as needed: nothing an override
   * covered is held in memory afterwards. A record changed while the file was written keeps that change
   * (held: `isHeld`), and a caller folding its edits in applies them to it.
   */
  saveTo(target: string, overrides: RecordOverrides = NO_OVERRIDES): Promise<void> {
    // When no save is under way this one takes its snapshot now, so it writes what is there at the call.
    const task = () => this.writeTo(target, overrides).finally(() => this.savesInFlight--);
    const next = this.savesInFlight === 0 ? task() : this.saving.then(task, task);
    this.savesInFlight++;
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async writeTo(target: string, overrides: RecordOverrides): Promise<void> {
    const revision = this.revision;
    const own = path.resolve(target) === path.resolve(this.manifestPath);
    const snapshot = this.manifest.snapshot();
    const layout = SavedLayout.of(snapshot);
    let written: FileLineSource | null = null;
    try {
      await writeFileAtomic(target, saveChunks(snapshot, overrides, layout), {
        beforeRename: own ? (tmp) => (written = FileLineSource.open(tmp, target)) : undefined,
      });
    } catch (err) {
      (written as FileLineSource | null)?.close();
      throw err;
    }
    if (!own || !written) return;
    this.manifest.adopt(snapshot, layout, written);
    this.savedRevision = revision;
  }

  markSaved(): void {
    this.savedRevision = this.revision;
  }
}

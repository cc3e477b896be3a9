// The manifest store: loads recaption.jsonl, applies changes, saves atomically. It is the one place that
// enforces "a machine never overwrites a human": every caption write goes through it.
import { promises as fs } from 'node:fs';
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
import { createHash } from 'node:crypto';
import {
  compareFileNames,
  ManifestLineParser,
  joinChunks,
  serializeRecord,
  toRecord,
  type ManifestProblem,
  type ParsedManifest,
} from './manifest-codec.js';
import { BufferLineSource, FileLineSource, ManifestChangedError, SequentialReader, type LineSource } from './line-source.js';
import { ChunkWriter, SAVE_CHUNK_BYTES } from './chunk-writer.js';
import { emptyIndex, IndexBuilder, INDEX_BLOCK_BYTES, type ManifestIndex } from './manifest-index.js';
import { indexInThread, type ManifestIndexer } from './manifest-indexer.js';
import { DefectCounter, type DatasetThresholds } from '../analysis/defects.js';
import { LineSplitter } from './line-splitter.js';
import { DuplicateFinder } from './duplicates.js';
import { factsScratch, RecordColumns } from './record-columns.js';
import { NO_OVERRIDES, reviewFactsOverride, withReviewOverrides, type RecordOverrides } from './record-overrides.js';
import { compileFactsQuery, compileRecordFacts, compileText, compileTextQuery, searchedTexts, searchesWithRegex } from './query.js';
import { compilePattern, patternSpec } from './pattern-jobs.js';
import type { PatternRunner } from './pattern-runner.js';
import { PatternSearch } from './pattern-search.js';
import type { Counts, RecordFacts, RecordQuery, ReviewOrder } from '../../shared/record-query.js';
import { writeFileAtomic } from './atomic-write.js';
import { humanEdit, machineCaption, withReview, withScores, type MachineCaption, type TextScores } from './caption-writes.js';
import type { ManifestAccess, WriteOptions, WriteOutcome } from './manifest-access.js';
import { assertCaptionFits, MAX_CAPTION_CHARS } from '../limits.js';

export type { MachineCaption };

export type { WriteOptions, WriteOutcome };

export { ManifestChangedError };

export class ManifestLoadError extends Error {
  override name = 'ManifestLoadError';
}

/** Parsed records kept for the list's pages and repeated reads: a few screens' worth, whatever the manifest. */
const CACHE_RECORDS = 4096;

/** Records flagged between two turns of the event loop: a few milliseconds of work. */
const DEFECT_BLOCK = 1000;

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
  private index: ManifestIndex;
  private source: LineSource | null;
  /** Records whose value is not their line in the source (changed, or new and settled into a row). */
  private readonly live = new Map<string, ManifestRecord>();
  /** New records not given a row yet: rows are made for them in one sorted merge when positions are next needed. */
  private readonly added = new Map<string, ManifestRecord>();
  private readonly cache = new Map<number, ManifestRecord>();
  /** Counts every change; a saver compares it to know whether there is anything to write. */
  private revision = 0;
  private savedRevision = 0;
  private saving: Promise<unknown> = Promise.resolve();
  private savesInFlight = 0;

  private constructor(
    readonly folder: string,
    index: ManifestIndex,
    source: LineSource | null,
    /** recaption.jsonl, or a shard manifest's name for sharded runs. */
    readonly fileName: string = MANIFEST_NAME,
  ) {
    this.index = index;
    this.source = source;
  }

  get manifestPath(): string {
    return path.join(this.folder, this.fileName);
  }

  /** Indexes the folder's manifest, or starts an empty one when there is none yet. */
  static async open(folder: string, fileName: string = MANIFEST_NAME, options: ManifestOpenOptions = {}): Promise<ManifestStore> {
    const indexer = options.indexer ?? indexInThread;
    const file = path.join(folder, fileName);
    // A file written in place while it is indexed is indexed again (a rename over it is not: the open file stays whole).
    for (let attempt = 1; ; attempt++) {
      let source: FileLineSource;
      try {
        source = FileLineSource.open(file);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') return new ManifestStore(folder, emptyIndex(), null, fileName);
        if (e.code === 'EISDIR') throw new ManifestLoadError(`${file} is a folder, not a manifest file`);
        throw new ManifestLoadError(`cannot read ${file}: ${e.message}`);
      }
      try {
        const index = await indexer(source);
        source.check();
        return new ManifestStore(folder, index, source, fileName);
      } catch (err) {
        source.close();
        if (err instanceof ManifestChangedError && attempt < 3) continue;
        if (err instanceof ManifestChangedError) throw new ManifestLoadError(`${file} keeps changing while it is read; try again when the program writing it is done`);
        throw new ManifestLoadError(`cannot read ${file}: ${(err as Error).message}`);
      }
    }
  }

  static fromText(folder: string, text: string, fileName: string = MANIFEST_NAME): ManifestStore {
    const bytes = Buffer.from(text, 'utf8');
    const builder = new IndexBuilder();
    builder.add(bytes);
    return new ManifestStore(folder, builder.finish(), new BufferLineSource(bytes), fileName);
  }

  get size(): number {
    return this.index.names.length + this.added.size;
  }

  get problems(): readonly ManifestProblem[] {
    return this.index.problems;
  }

  get isDirty(): boolean {
    return this.revision !== this.savedRevision;
  }

  /** Records held in memory until the next save (changed or new): what a long write loop watches to bound memory. */
  get heldRecords(): number {
    return this.live.size + this.added.size;
  }

  /** Whether a record's value is held in memory (changed or added since the last save), not read from the file. */
  isHeld(fileName: string): boolean {
    return this.live.has(fileName) || this.added.has(fileName);
  }

  /** Closes the manifest file. The store must not be read afterwards. */
  close(): void {
    this.source?.close();
    this.source = null;
  }

  get(fileName: string): ManifestRecord | undefined {
    const held = this.live.get(fileName) ?? this.added.get(fileName);
    if (held) return held;
    const row = this.rowOf(fileName);
    return row < 0 ? undefined : this.recordAt(row);
  }

  /** File names in manifest order (sorted). The array is replaced, never changed, when records are added. */
  names(): readonly string[] {
    this.settle();
    return this.index.names;
  }

  /** A record's position in manifest order, or -1. */
  positionOf(fileName: string): number {
    this.settle();
    return this.rowOf(fileName);
  }

  /** The facts of the record at a position, from the columns (no parse). */
  factsAt(position: number): RecordFacts {
    this.settle();
    return this.index.columns.factsAt(position);
  }

  /** `positions` in a review order (from the columns: the saved scores, audit marks and defect flags). */
  ordered(positions: Int32Array, order: ReviewOrder): Int32Array {
    this.settle();
    return this.index.columns.ordered(positions, order);
  }

  counts(): Counts {
    this.settle();
    return this.index.columns.counts();
  }

  /** The records in manifest order, read one after the other (nothing is kept). */
  *records(): IterableIterator<ManifestRecord> {
    this.settle();
    const index = this.index;
    const source = this.source;
    const reader = source ? new SequentialReader(source, index.bytes) : null;
    for (let row = 0; row < index.names.length; row++) {
      const name = index.names[row]!;
      if (source !== null && this.source === null) throw new Error(`${this.manifestPath} was closed while its records were read`);
      // A save or new records moved the rows while the caller was busy: read the rest through lookups.
      if (this.index !== index) {
        const record = this.get(name);
        if (record) yield record;
        continue;
      }
      yield this.live.get(name) ?? this.cache.get(row) ?? this.parseRow(row, reader!);
    }
  }

  /**
   * Positions of the records a query shows, in manifest order. Facts come from the columns; a text search
   * reads the lines, parsing only those that can match. `overrides` are what to judge instead of the stored
   * values (an editor's unsaved edits). The search runs on this thread: a user's regular expression goes
   * through `searchPositions` instead. Throws QueryError for a bad regex.
   */
  matchPositions(query: RecordQuery, overrides: RecordOverrides = NO_OVERRIDES): Int32Array {
    const text = compileTextQuery(query);
    const out = new Int32Array(this.size);
    let found = 0;
    for (const { row, record } of this.rowsToSearch(query, overrides)) if (record === null || text!(record)) out[found++] = row;
    return out.slice(0, found);
  }

  /**
   * `matchPositions`, with a regular expression run through `patterns` (the editor's pattern sandbox: a worker
   * with a deadline), a batch of lines at a time, so this thread's event loop turns while it searches. A save
   * meanwhile (a run's checkpoint) is read on from the written file; records added meanwhile move the rows,
   * and the search starts over. Stops when `signal` is aborted.
   */
  async searchPositions(query: RecordQuery, patterns: PatternRunner, overrides: RecordOverrides = NO_OVERRIDES, signal?: AbortSignal): Promise<Int32Array> {
    if (!searchesWithRegex(query)) return this.matchPositions(query, overrides);
    const pattern = patternSpec(query.text, true, query.caseSensitive);
    compilePattern(pattern);
    for (;;) {
      this.settle();
      const names = this.index.names;
      const search = new PatternSearch(patterns, pattern, (row) => names[row]!);
      const moved = () => this.added.size > 0 || this.index.names !== names;
      for (const { row, record } of this.rowsToSearch(query, overrides)) {
        if (!search.add(row, searchedTexts(record!, query.field))) continue;
        await search.flush();
        signal?.throwIfAborted();
        if (moved()) break;
      }
      if (moved()) continue;
      const rows = await search.finish();
      signal?.throwIfAborted();
      if (!moved()) return rows;
    }
  }

  /**
   * The rows whose facts a query admits, in manifest order, each with the record its text part must look at
   * (null when the query searches no text). A plain search passes over lines without its text unparsed.
   */
  private *rowsToSearch(query: RecordQuery, overrides: RecordOverrides): Generator<{ row: number; record: ManifestRecord | null }> {
    this.settle();
    let index = this.index;
    const { names, columns } = index;
    const facts = compileFactsQuery(query);
    const recordFacts = compileRecordFacts(query);
    const searches = query.text !== '';
    const reviews = overrides.reviews;
    // A line without escapes holds each of its strings as they are, so a literal absent from the line is
    // absent from every field: such a line is passed over unparsed.
    const literal = searches && !query.regex ? compileText(query.text, false, query.caseSensitive) : null;
    const held = new Map<number, ManifestRecord>();
    for (const [name, record] of this.live) held.set(this.rowOf(name), record);
    for (const [name, record] of overrides.records) {
      const row = this.rowOf(name);
      if (row >= 0) held.set(row, record);
    }
    let reader = this.source ? new SequentialReader(this.source, index.bytes) : null;
    const scratch = factsScratch();
    for (let row = 0; row < names.length; row++) {
      if (this.index !== index) {
        // Saved while the caller waited: the same rows, read from the written file. Added records moved them.
        if (this.added.size > 0 || this.index.names !== names) return;
        index = this.index;
        reader = this.source ? new SequentialReader(this.source, index.bytes) : null;
      }
      // Not yet computed: not shown, as the flag filter does.
      if (query.duplicates && !(columns.duplicatesReady && columns.isDuplicate(row))) continue;
      const heldRecord = held.get(row);
      if (heldRecord) {
        const record = withReviewOverrides(heldRecord, reviews, row);
        if (recordFacts === null || recordFacts(record)) yield { row, record: searches ? record : null };
        continue;
      }
      if (facts) {
        const rowFacts = columns.factsInto(row, scratch);
        if (!facts(reviews ? reviewFactsOverride(rowFacts, reviews, names[row]!, row) : rowFacts)) continue;
      }
      if (!searches) {
        yield { row, record: null };
        continue;
      }
      // A review never changes a text, so the text test reads the stored line whatever the reviews say.
      const cached = this.cache.get(row);
      if (cached) {
        yield { row, record: cached };
        continue;
      }
      const line = reader!.read(index.offsets[row]!, index.lengths[row]!).toString('utf8');
      if (literal && !literal.test(line) && !line.includes('\\')) continue;
      yield { row, record: parseLine(line, names[row]!) };
    }
  }

  private rowOf(fileName: string): number {
    const names = this.index.names;
    let lo = 0;
    let hi = names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareFileNames(names[mid]!, fileName);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private recordAt(row: number): ManifestRecord {
    const held = this.live.get(this.index.names[row]!);
    if (held) return held;
    const cached = this.cache.get(row);
    if (cached) {
      // Most recently used last: the first key is the one to evict.
      this.cache.delete(row);
      this.cache.set(row, cached);
      return cached;
    }
    const record = this.parseRow(row);
    this.cache.set(row, record);
    if (this.cache.size > CACHE_RECORDS) this.cache.delete(this.cache.keys().next().value!);
    return record;
  }

  private parseRow(row: number, reader?: SequentialReader): ManifestRecord {
    const { names, offsets, lengths } = this.index;
    const bytes = reader ? reader.read(offsets[row]!, lengths[row]!) : this.source!.read(offsets[row]!, lengths[row]!);
    return parseLine(bytes.toString('utf8'), names[row]!);
  }

  /** Gives the records added since the last call their rows, in one sorted merge. */
  private settle(): void {
    if (this.added.size === 0) return;
    const extra = [...this.added.keys()].sort(compareFileNames);
    const old = this.index;
    const total = old.names.length + extra.length;
    const names: string[] = new Array<string>(total);
    const offsets = new Float64Array(total);
    const lengths = new Uint32Array(total);
    const from = new Int32Array(total);
    for (let i = 0, j = 0, k = 0; k < total; k++) {
      if (j >= extra.length || (i < old.names.length && compareFileNames(old.names[i]!, extra[j]!) < 0)) {
        names[k] = old.names[i]!;
        offsets[k] = old.offsets[i]!;
        lengths[k] = old.lengths[i]!;
        from[k] = i++;
      } else {
        names[k] = extra[j++]!;
        offsets[k] = -1;
        from[k] = -1;
      }
    }
    const columns = old.columns.permuted(from);
    for (let k = 0; k < total; k++) {
      if (from[k] !== -1) continue;
      const record = this.added.get(names[k]!)!;
      columns.set(k, record);
      this.live.set(names[k]!, record);
    }
    this.index = { ...old, names, offsets, lengths, columns };
    this.added.clear();
    this.cache.clear();
  }

  /** Whether every record's duplicate mark is in the index (computeDuplicates has run over this index). */
  get duplicatesReady(): boolean {
    return this.index.columns.duplicatesReady;
  }

  /**
   * Marks the records in a duplicate group (same sha256, or perceptual hashes within the default distance)
   * in the index, in one pass over the records; starts over when the index changes under it.
   */
  async computeDuplicates(): Promise<void> {
    for (;;) {
      this.settle();
      const index = this.index;
      if (index.columns.duplicatesReady) return;
      const hadSource = this.source !== null;
      const finder = new DuplicateFinder();
      let row = 0;
      for (const record of this.records()) {
        finder.add({ fileName: record.file_name, sha256: record.sha256, phash: record.phash });
        if (++row % DEFECT_BLOCK !== 0) continue;
        await new Promise((resolve) => setImmediate(resolve));
        if (hadSource && this.source === null) return;
        if (this.index !== index) break;
      }
      if (this.index !== index) continue;
      const rows: number[] = [];
      for (const group of finder.groups()) for (const name of group.members) rows.push(this.rowOf(name));
      index.columns.markDuplicates(rows);
      return;
    }
  }

  /** Whether every record's defect flags are in the index (computeDefects has run over this index). */
  get defectsReady(): boolean {
    return this.index.columns.defectsReady;
  }

  /**
   * Fills the index's defect-flag column (each record's own flags) in one pass, a block at a time so the
   * caller's event loop keeps turning. Starts over when the index changes under it; idempotent.
   */
  async computeDefects(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.settle();
      const index = this.index;
      if (index.columns.defectsReady) return;
      const hadSource = this.source !== null;
      // Each record's own flags, lengths and scores (about 50 bytes a record, for the pass only), then the
      // dataset's fences and low-score cuts, then every row's bits.
      const counter = new DefectCounter();
      let rows = 0;
      for (const record of this.records()) {
        counter.add(record);
        if (++rows % DEFECT_BLOCK !== 0) continue;
        await new Promise((resolve) => setImmediate(resolve));
        // Closed meanwhile (the editor went, or the file was reloaded into a new store): nothing to finish.
        if (signal?.aborted || (hadSource && this.source === null)) return;
        if (this.index !== index) break;
      }
      // The index changed under the pass: start over on the new one.
      if (this.index !== index) continue;
      const thresholds = counter.thresholds();
      const bits = counter.bits(thresholds);
      for (let row = 0; row < bits.length; row++) index.columns.setDefects(row, bits[row]!);
      index.columns.defectsComputed(thresholds);
      return;
    }
  }

  /** The dataset thresholds the defect column was computed with; null before computeDefects. */
  get defectThresholds(): DatasetThresholds | null {
    return this.index.columns.thresholds;
  }

  /** Adds a record or replaces one wholesale. Used by the scanner, which owns the non-caption fields. */
  put(record: ManifestRecord): void {
    this.checkNewCaptions(record);
    if (this.added.has(record.file_name) || this.rowOf(record.file_name) < 0) {
      this.added.set(record.file_name, record);
      this.revision++;
      return;
    }
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

  /** Holds a record's new value (records are never changed in place: a save may be writing the old one). */
  private replace(record: ManifestRecord): void {
    const name = record.file_name;
    if (this.added.has(name)) this.added.set(name, record);
    else {
      const row = this.rowOf(name);
      this.live.set(name, record);
      this.index.columns.set(row, record);
      this.cache.delete(row);
    }
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

  /** What a save would write now, without writing it (where the lines would go is not kept). */
  private chunksAsSaved(): Iterable<Uint8Array> {
    const snapshot = this.snapshot();
    return this.saveChunks(snapshot, NO_OVERRIDES, new SavedLayout(snapshot.index.names.length, snapshot.index.columns));
  }

  /** sha256 of the manifest as it would be saved (equal to the file's when the store saved it). */
  sha256(): string {
    const hash = createHash('sha256');
    for (const chunk of this.chunksAsSaved()) hash.update(chunk);
    return hash.digest('hex');
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
    const snapshot = this.snapshot();
    const layout = new SavedLayout(snapshot.index.names.length, snapshot.index.columns);
    let written: FileLineSource | null = null;
    try {
      await writeFileAtomic(target, this.saveChunks(snapshot, overrides, layout), {
        beforeRename: own ? (tmp) => (written = FileLineSource.open(tmp, target)) : undefined,
      });
    } catch (err) {
      (written as FileLineSource | null)?.close();
      throw err;
    }
    if (!own || !written) return;
    this.adopt(snapshot, layout, written);
    this.savedRevision = revision;
  }

  /** The state a save writes: replaced, never changed, by later writes, so the save sees one moment. */
  private snapshot(): SaveSnapshot {
    this.settle();
    return { index: this.index, live: new Map(this.live), source: this.source };
  }

  /** After a save of the manifest itself: the store reads the written file, at the offsets the save recorded. */
  private adopt(snapshot: SaveSnapshot, layout: SavedLayout, written: FileLineSource): void {
    this.source?.close();
    this.source = written;
    const current = this.index;
    let offsets = layout.offsets;
    let lengths = layout.lengths;
    if (current !== snapshot.index) {
      // Records were added while the file was written: they have no line in it yet.
      offsets = new Float64Array(current.names.length).fill(-1);
      lengths = new Uint32Array(current.names.length);
      const before = snapshot.index.names;
      for (let i = 0, k = 0; k < current.names.length; k++) {
        if (i < before.length && before[i] === current.names[k]) {
          offsets[k] = layout.offsets[i]!;
          lengths[k] = layout.lengths[i]!;
          i++;
        }
      }
    }
    this.index = { ...current, offsets, lengths, problems: layout.problems, bytes: layout.bytes, hadBom: snapshot.index.hadBom };
    // What was written is on disk now; a record changed during the save stays held.
    for (const [name, record] of snapshot.live) {
      if (this.live.get(name) === record) this.live.delete(name);
    }
    // The overridden records' facts are what was written, unless the record changed since (its own facts stand).
    const snapshotNames = snapshot.index.names;
    for (let i = 0; i < layout.overridden.length; i++) {
      const name = snapshotNames[layout.overridden[i]!]!;
      if (this.live.has(name)) continue;
      const row = current === snapshot.index ? layout.overridden[i]! : this.rowOf(name);
      if (row >= 0) current.columns.copyRow(layout.overriddenFacts, i, row);
    }
    this.cache.clear();
  }

  /**
   * The save's bytes: records in name order, each unchanged line copied from the source as it is, each
   * problem line back after the record it followed (or at the top). `layout` records where each line went.
   */
  private *saveChunks(snapshot: SaveSnapshot, overrides: RecordOverrides, layout: SavedLayout): Generator<Uint8Array> {
    const { names, offsets, lengths, problems, eol, hadBom } = snapshot.index;
    const reader = snapshot.source ? new SequentialReader(snapshot.source, snapshot.index.bytes) : null;
    const reviews = overrides.reviews;
    const out = new ChunkWriter(Buffer.from(eol));
    const byAnchor = new Map<string | null, ManifestProblem[]>();
    for (const p of problems) {
      const list = byAnchor.get(p.after) ?? [];
      list.push(p);
      byAnchor.set(p.after, list);
    }
    const emitProblems = function* (anchor: string | null): Generator<Uint8Array> {
      for (const p of byAnchor.get(anchor) ?? []) {
        const length = p.span ? p.span.length : p.raw === undefined ? 0 : Buffer.byteLength(p.raw);
        const at = p.span ? yield* out.lineFrom(snapshot.source!, p.span.offset, length) : out.line(p.raw === undefined ? Buffer.alloc(0) : Buffer.from(p.raw));
        layout.problems.push({ line: at.line, message: p.message, after: p.after, fileName: p.fileName, span: { offset: at.offset, length } });
      }
      byAnchor.delete(anchor);
    };
    if (hadBom) out.raw(Buffer.from([0xef, 0xbb, 0xbf]));
    yield* emitProblems(null);
    for (let row = 0; row < names.length; row++) {
      const name = names[row]!;
      let record = overrides.records.get(name);
      const overridden = record !== undefined || (reviews?.has(name, row) ?? false);
      if (overridden) {
        record = withReviewOverrides(record ?? snapshot.live.get(name) ?? parseLine(reader!.read(offsets[row]!, lengths[row]!).toString('utf8'), name), reviews, row);
        layout.noteOverride(row, record);
      } else record = snapshot.live.get(name);
      const bytes = record ? Buffer.from(serializeRecord(record), 'utf8') : null;
      const at = bytes ? yield* out.lineOf(bytes) : yield* out.lineFrom(snapshot.source!, offsets[row]!, lengths[row]!, reader!);
      layout.offsets[row] = at.offset;
      layout.lengths[row] = bytes ? bytes.length : lengths[row]!;
      if (byAnchor.size > 0) yield* emitProblems(name);
      if (out.pending >= SAVE_CHUNK_BYTES) yield out.take();
    }
    // Problems anchored to a record that no longer exists go at the end rather than vanish.
    for (const anchor of [...byAnchor.keys()]) yield* emitProblems(anchor);
    layout.bytes = out.position;
    yield out.take();
  }

  markSaved(): void {
    this.savedRevision = this.revision;
  }
}

interface SaveSnapshot {
  index: ManifestIndex;
  live: ReadonlyMap<string, ManifestRecord>;
  source: LineSource | null;
}

/** Where a save put each line: the store's offsets once the written file is its source. */
class SavedLayout {
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;
  readonly problems: ManifestProblem[] = [];
  bytes = 0;
  /** Rows written from an override, and their facts in that order (about 15 bytes a row, not the records). */
  overridden: number[] = [];
  readonly overriddenFacts: RecordColumns;

  constructor(rows: number, columns: RecordColumns) {
    this.offsets = new Float64Array(rows);
    this.lengths = new Uint32Array(rows);
    this.overriddenFacts = new RecordColumns(16);
    this.overriddenFacts.defectStateOf(columns);
  }

  noteOverride(row: number, record: ManifestRecord): void {
    this.overridden.push(row);
    this.overriddenFacts.push(record);
  }
}

/** A record line the index read before: anything else now means the file changed under it. */
function parseLine(line: string, expectedName: string): ManifestRecord {
  let record: ManifestRecord | string;
  try {
    record = toRecord(JSON.parse(line));
  } catch {
    record = 'not JSON';
  }
  if (typeof record === 'string' || record.file_name !== expectedName) {
    throw new ManifestChangedError(`the manifest's line for "${expectedName}" is not what was read before; the file changed on disk and is read again`);
  }
  return record;
}

/**
 * Reads a manifest record by record without keeping the records (for counts and reports over manifests
 * of any size). Returns the unreadable lines and the line format; throws ENOENT when there is no file.
 */
export async function streamManifestFile(file: string, onRecord: (record: ManifestRecord) => void): Promise<ParsedManifest> {
  return readManifestFile(file, new ManifestLineParser(onRecord));
}

async function readManifestFile(file: string, parser: ManifestLineParser): Promise<ParsedManifest> {
  const handle = await fs.open(file, 'r');
  const splitter = new LineSplitter(parser);
  try {
    const block = Buffer.allocUnsafe(INDEX_BLOCK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      splitter.add(block.subarray(0, bytesRead));
    }
    splitter.finish();
  } finally {
    await handle.close();
  }
  return { ...parser.finish(), hadBom: splitter.hadBom };
}

// The manifest as an index over its file (manifest-index.ts) with what is held in memory on top: records are
// parsed when asked for, through a bounded cache; changed records are held by name, and new ones until one
// sorted merge gives them rows. Loading, reading and the rows; the store (manifest-store.ts) writes through it.
import type { ManifestRecord } from '../../shared/record.js';
import { compareFileNames } from './manifest-codec.js';
import { BufferLineSource, FileLineSource, ManifestChangedError, SequentialReader, type LineSource } from './line-source.js';
import { emptyIndex, IndexBuilder, type ManifestIndex } from './manifest-index.js';
import type { ManifestIndexer } from './manifest-indexer.js';
import type { ManifestSnapshot, SavedLayout } from './manifest-save.js';
import { parseIndexedLine } from './record-line.js';

export class ManifestLoadError extends Error {
  override name = 'ManifestLoadError';
}

/** Parsed records kept for the list's pages and repeated reads: a few screens' worth, whatever the manifest. */
const CACHE_RECORDS = 4096;

export class IndexedManifest {
  private rows: ManifestIndex;
  private lines: LineSource | null;
  /** Records whose value is not their line in the source (changed, or new and settled into a row). */
  private readonly live = new Map<string, ManifestRecord>();
  /** New records not given a row yet: rows are made for them in one sorted merge when positions are next needed. */
  private readonly added = new Map<string, ManifestRecord>();
  private readonly cache = new Map<number, ManifestRecord>();

  private constructor(
    index: ManifestIndex,
    source: LineSource | null,
    /** The manifest's path, for messages. */
    readonly file: string,
  ) {
    this.rows = index;
    this.lines = source;
  }

  /** Indexes `file`, or starts an empty manifest when there is none yet. */
  static async load(file: string, indexer: ManifestIndexer): Promise<IndexedManifest> {
    // A file written in place while it is indexed is indexed again (a rename over it is not: the open file stays whole).
    for (let attempt = 1; ; attempt++) {
      let source: FileLineSource;
      try {
        source = FileLineSource.open(file);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') return new IndexedManifest(emptyIndex(), null, file);
        if (e.code === 'EISDIR') throw new ManifestLoadError(`${file} is a folder, not a manifest file`);
        throw new ManifestLoadError(`cannot read ${file}: ${e.message}`);
      }
      try {
        const index = await indexer(source);
        source.check();
        return new IndexedManifest(index, source, file);
      } catch (err) {
        source.close();
        if (err instanceof ManifestChangedError && attempt < 3) continue;
        if (err instanceof ManifestChangedError) throw new ManifestLoadError(`${file} keeps changing while it is read; try again when the program writing it is done`);
        throw new ManifestLoadError(`cannot read ${file}: ${(err as Error).message}`);
      }
    }
  }

  /** A manifest held in memory (tests and small manifests). */
  static fromBytes(file: string, bytes: Buffer): IndexedManifest {
    const builder = new IndexBuilder();
    builder.add(bytes);
    return new IndexedManifest(builder.finish(), new BufferLineSource(bytes), file);
  }

  /** The index as it stands: replaced, never changed in its rows' places, when records settle or a save is adopted. */
  get index(): ManifestIndex {
    return this.rows;
  }

  /** The index with every record given its row (see settle). */
  settled(): ManifestIndex {
    this.settle();
    return this.rows;
  }

  /** Where the lines are read from: null for a manifest not on disk yet, or once closed. */
  get source(): LineSource | null {
    return this.lines;
  }

  get size(): number {
    return this.rows.names.length + this.added.size;
  }

  /** Records held in memory until the next save (changed or new). */
  get heldRecords(): number {
    return this.live.size + this.added.size;
  }

  /** Whether a record's value is held in memory (changed or added since the last save), not read from the file. */
  isHeld(fileName: string): boolean {
    return this.live.has(fileName) || this.added.has(fileName);
  }

  /** Closes the manifest file. Nothing may be read afterwards. */
  close(): void {
    this.lines?.close();
    this.lines = null;
  }

  get(fileName: string): ManifestRecord | undefined {
    const held = this.live.get(fileName) ?? this.added.get(fileName);
    if (held) return held;
    const row = this.rowOf(fileName);
    return row < 0 ? undefined : this.recordAt(row);
  }

  /** The changed records by name (each has a row: new ones are here once settled). */
  get changed(): ReadonlyMap<string, ManifestRecord> {
    return this.live;
  }

  /** A row's record when it is in the cache (a search reads the rest from the lines). */
  cached(row: number): ManifestRecord | undefined {
    return this.cache.get(row);
  }

  /** Whether the rows moved since `names` was the index's: records were added, settled or not. */
  movedSince(names: readonly string[]): boolean {
    return this.added.size > 0 || this.rows.names !== names;
  }

  /** A reader of the current index's lines in order; null when there are none on disk. */
  sequentialReader(): SequentialReader | null {
    return this.lines ? new SequentialReader(this.lines, this.rows.bytes) : null;
  }

  /** The records in manifest order, read one after the other (nothing is kept). */
  *records(): IterableIterator<ManifestRecord> {
    this.settle();
    const index = this.rows;
    const source = this.lines;
    const reader = this.sequentialReader();
    for (let row = 0; row < index.names.length; row++) {
      const name = index.names[row]!;
      if (source !== null && this.lines === null) throw new Error(`${this.file} was closed while its records were read`);
      // A save or new records moved the rows while the caller was busy: read the rest through lookups.
      if (this.rows !== index) {
        const record = this.get(name);
        if (record) yield record;
        continue;
      }
      yield this.live.get(name) ?? this.cache.get(row) ?? this.parseRow(row, reader!);
    }
  }

  /** A record's row in manifest order, or -1 (a record added since the last settle has none yet). */
  rowOf(fileName: string): number {
    const names = this.rows.names;
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
    const held = this.live.get(this.rows.names[row]!);
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
    const { names, offsets, lengths } = this.rows;
    const bytes = reader ? reader.read(offsets[row]!, lengths[row]!) : this.lines!.read(offsets[row]!, lengths[row]!);
    return parseIndexedLine(bytes.toString('utf8'), names[row]!);
  }

  /**
   * Holds a record's new value (records are never changed in place: a save may be writing the old one). A
   * record without a row waits for the next settle.
   */
  hold(record: ManifestRecord): void {
    const name = record.file_name;
    const row = this.added.has(name) ? -1 : this.rowOf(name);
    if (row < 0) {
      this.added.set(name, record);
      return;
    }
    this.live.set(name, record);
    this.rows.columns.set(row, record);
    this.cache.delete(row);
  }

  /** Gives the records added since the last call their rows, in one sorted merge. */
  settle(): void {
    if (this.added.size === 0) return;
    const extra = [...this.added.keys()].sort(compareFileNames);
    const old = this.rows;
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
    this.rows = { ...old, names, offsets, lengths, columns };
    this.added.clear();
    this.cache.clear();
  }

  /** The state a save writes (see ManifestSnapshot). */
  snapshot(): ManifestSnapshot {
    this.settle();
    return { index: this.rows, live: new Map(this.live), source: this.lines };
  }

  /** After a save of the manifest itself: reads the written file, at the offsets the save recorded. */
  adopt(snapshot: ManifestSnapshot, layout: SavedLayout, written: LineSource): void {
    this.lines?.close();
    this.lines = written;
    const current = this.rows;
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
    this.rows = { ...current, offsets, lengths, problems: layout.problems, bytes: layout.bytes, hadBom: snapshot.index.hadBom };
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
}

// The manifest store: loads recaption.jsonl, applies changes, saves atomically. It is the one place that
// enforces "a machine never overwrites a human": every caption write goes through it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
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
  MAX_LINE_BYTES,
  joinChunks,
  parseManifest,
  serializeManifestChunks,
  type ManifestProblem,
  type ParsedManifest,
} from './manifest-codec.js';
import { writeFileAtomic } from './atomic-write.js';
import { humanEdit, machineCaption, withReview, type MachineCaption } from './caption-writes.js';
import type { ManifestAccess, WriteOptions, WriteOutcome } from './manifest-access.js';

export type { MachineCaption };

export type { WriteOptions, WriteOutcome };

export class ManifestLoadError extends Error {
  override name = 'ManifestLoadError';
}

export class ManifestStore implements ManifestAccess {
  private readonly byName = new Map<string, ManifestRecord>();
  private sortedNames: string[] | null = null;
  /** Counts every change; a saver compares it to know whether there is anything to write. */
  private revision = 0;
  private savedRevision = 0;

  private constructor(
    readonly folder: string,
    records: ManifestRecord[],
    readonly problems: ManifestProblem[],
    private readonly eol: '\n' | '\r\n',
    /** recaption.jsonl, or a shard manifest's name for sharded runs. */
    readonly fileName: string = MANIFEST_NAME,
    /** The file started with a byte-order mark: saves keep it. */
    private readonly bom = false,
  ) {
    for (const r of records) this.byName.set(r.file_name, r);
  }

  get manifestPath(): string {
    return path.join(this.folder, this.fileName);
  }

  /** Loads the folder's manifest, or starts an empty one when there is none yet. */
  static async open(folder: string, fileName: string = MANIFEST_NAME): Promise<ManifestStore> {
    const file = path.join(folder, fileName);
    let parsed: ParsedManifest;
    try {
      parsed = await readManifestFile(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return new ManifestStore(folder, [], [], '\n', fileName);
      if (e.code === 'EISDIR') throw new ManifestLoadError(`${file} is a folder, not a manifest file`);
      throw new ManifestLoadError(`cannot read ${file}: ${e.message}`);
    }
    return new ManifestStore(folder, parsed.records, parsed.problems, parsed.eol, fileName, parsed.hadBom);
  }

  static fromText(folder: string, text: string, fileName: string = MANIFEST_NAME): ManifestStore {
    const parsed = parseManifest(text);
    return new ManifestStore(folder, parsed.records, parsed.problems, parsed.eol, fileName, parsed.hadBom);
  }

  get size(): number {
    return this.byName.size;
  }

  get isDirty(): boolean {
    return this.revision !== this.savedRevision;
  }

  get(fileName: string): ManifestRecord | undefined {
    return this.byName.get(fileName);
  }

  /** File names in manifest order (sorted). */
  names(): readonly string[] {
    this.sortedNames ??= [...this.byName.keys()].sort(compareFileNames);
    return this.sortedNames;
  }

  *records(): IterableIterator<ManifestRecord> {
    for (const name of this.names()) yield this.byName.get(name)!;
  }

  /** Adds a record or replaces one wholesale. Used by the scanner, which owns the non-caption fields. */
  put(record: ManifestRecord): void {
    if (!this.byName.has(record.file_name)) this.sortedNames = null;
    this.byName.set(record.file_name, record);
    this.revision++;
  }

  private require(fileName: string): ManifestRecord {
    const record = this.byName.get(fileName);
    if (!record) throw new Error(`no record for "${fileName}" in ${this.manifestPath}`);
    return record;
  }

  /**
   * A machine's caption. Refused ('protected') when the caption there is human-written or reviewed,
   * unless `override` is set.
   */
  writeMachineCaption(fileName: string, kind: CaptionKind, caption: MachineCaption, options: WriteOptions = {}): WriteOutcome {
    const next = machineCaption(caption);
    const record = this.require(fileName);
    if (isProtectedCaption(record[kind]) && !options.override) return 'protected';
    record[kind] = next;
    this.revision++;
    return 'written';
  }

  /** A person's text. Keeps the machine's text it replaced in `original`, so provenance stays visible. */
  writeHumanCaption(fileName: string, kind: CaptionKind, text: string): void {
    const record = this.require(fileName);
    const next = humanEdit(record[kind], text);
    if (!next) return;
    record[kind] = next;
    this.revision++;
  }

  setReview(fileName: string, kind: CaptionKind, review: ReviewState): void {
    const record = this.require(fileName);
    const caption = record[kind];
    if (!caption) throw new Error(`"${fileName}" has no ${kind.toUpperCase()} to review`);
    const next = withReview(caption, review);
    if (!next) return;
    record[kind] = next;
    this.revision++;
  }

  setError(fileName: string, error: string | null): void {
    const record = this.require(fileName);
    if (record.error === error) return;
    record.error = error;
    this.revision++;
  }

  /** Sets one caption exactly as given (no human-edit rule): for an edit model folding saved edits in. */
  setCaption(fileName: string, kind: CaptionKind, caption: Caption | null): void {
    const record = this.require(fileName);
    record[kind] = caption;
    this.revision++;
  }

  serialize(): string {
    return joinChunks(this.serializeChunks());
  }

  /**
   * The manifest's text in chunks, for streaming it to a file or a hash. `view` replaces each record by
   * what should be written for it (an edit model's unsaved edits over the saved records).
   */
  serializeChunks(view?: (record: ManifestRecord) => ManifestRecord): Iterable<string | Uint8Array> {
    const records = view ? mapIterable(this.records(), view) : this.records();
    const chunks = serializeManifestChunks(records, this.problems, this.eol);
    return this.bom ? prepend('\uFEFF', chunks) : chunks;
  }

  /** sha256 of the manifest as it would be saved (equal to the file's when the store saved it). */
  sha256(): string {
    const hash = createHash('sha256');
    for (const chunk of this.serializeChunks()) hash.update(chunk);
    return hash.digest('hex');
  }

  /** Writes the manifest atomically; throws WriteError with an actionable message on failure. */
  async save(): Promise<void> {
    await this.saveTo(this.manifestPath);
  }

  /** Writes the manifest atomically to `target` (Save As when it is not the manifest's own path). */
  async saveTo(target: string, view?: (record: ManifestRecord) => ManifestRecord): Promise<void> {
    const revision = this.revision;
    await writeFileAtomic(target, this.serializeChunks(view));
    if (target === this.manifestPath) this.savedRevision = revision;
  }

  markSaved(): void {
    this.savedRevision = this.revision;
  }
}

function* prepend<T>(first: T, rest: Iterable<T>): Generator<T> {
  yield first;
  yield* rest;
}

function* mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

/** Reads a manifest in 8 MB blocks, line by line: a 250,000-line file never becomes one string. */
/**
 * Reads a manifest record by record without keeping the records (for counts and reports over manifests
 * of any size). Returns the unreadable lines and the line format; throws ENOENT when there is no file.
 */
export async function streamManifestFile(file: string, onRecord: (record: ManifestRecord) => void): Promise<ParsedManifest> {
  return readManifestFile(file, new ManifestLineParser(onRecord));
}

async function readManifestFile(file: string, parser = new ManifestLineParser()): Promise<ParsedManifest> {
  const handle = await fs.open(file, 'r');
  try {
    const block = Buffer.allocUnsafe(8 << 20);
    // The current line's bytes from earlier blocks: gathered as parts and joined once (linear, however long).
    let parts: Buffer[] = [];
    let partBytes = 0;
    const endLine = (last: Buffer) => {
      const total = partBytes + last.length;
      const bytes = parts.length ? Buffer.concat([...parts, last], total) : last;
      if (total > MAX_LINE_BYTES) parser.addOversized(bytes);
      else parser.add(bytes.toString('utf8'));
      parts = [];
      partBytes = 0;
    };
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      const data = block.subarray(0, bytesRead);
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        endLine(data.subarray(start, end));
        start = end + 1;
      }
      // Copy the partial last line: `block` is reused by the next read.
      if (start < bytesRead) {
        parts.push(Buffer.from(data.subarray(start)));
        partBytes += bytesRead - start;
      }
    }
    if (partBytes > 0) endLine(Buffer.alloc(0));
  } finally {
    await handle.close();
  }
  return parser.finish();
}

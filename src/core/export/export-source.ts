// Where an export reads the dataset's records, in manifest order, a batch at a time: an open store (the
// editor's, whose unsaved changes are exported as they stand), or the manifest file read once as it streams
// by (the CLI: no index is built, each line is parsed once). A file out of name order cannot be streamed as
// the manifest: it is indexed then, as a store would be (ManifestOrderError).
import { setImmediate as turn } from 'node:timers/promises';
import type { ManifestRecord } from '../../shared/record.js';
import type { ManifestProblem } from '../dataset/manifest-codec.js';
import { ManifestFile } from '../dataset/manifest-file.js';
import type { RecordStream } from '../dataset/manifest-record-stream.js';
import { ManifestStore } from '../dataset/manifest-store.js';

export { ManifestFile };

/** What an export reads: an open store or a manifest file. */
export type ExportManifest = ManifestStore | ManifestFile;

/** Records a store hands over before the event loop gets a turn (a few milliseconds of export work). */
const STORE_BATCH = 1024;

/** One pass over the records. */
export interface RecordPass {
  batches(): AsyncIterable<readonly ManifestRecord[]>;
  /** Records read so far, and all of them: known for a store, estimated from the bytes read for a file. */
  progress(): { done: number; total: number };
  /**
   * All the records, as the pass expects them once it has handed over its first batch: known for a store,
   * estimated from the first block for a file, and not changed after.
   */
  expectedRecords(): number;
  /** Lines of the manifest that are not records; known once the pass is over. */
  problems(): readonly ManifestProblem[];
  /** sha256 of the manifest as a save writes it; known once the pass is over. */
  sha256(): Promise<string>;
  close(): void;
}

class StorePass implements RecordPass {
  private done = 0;
  private hash: string | null = null;

  constructor(
    private readonly store: ManifestStore,
    private readonly owned: boolean,
  ) {}

  async *batches(): AsyncGenerator<ManifestRecord[]> {
    let batch: ManifestRecord[] = [];
    for (const record of this.store.records()) {
      batch.push(record);
      if (batch.length < STORE_BATCH) continue;
      this.done += batch.length;
      yield batch;
      batch = [];
      await turn();
    }
    this.done += batch.length;
    if (batch.length > 0) yield batch;
  }

  progress(): { done: number; total: number } {
    return { done: this.done, total: this.store.size };
  }

  expectedRecords(): number {
    return this.store.size;
  }

  problems(): readonly ManifestProblem[] {
    return this.store.problems;
  }

  sha256(): Promise<string> {
    this.hash ??= this.store.sha256();
    return Promise.resolve(this.hash);
  }

  close(): void {
    if (this.owned) this.store.close();
  }
}

class FilePass implements RecordPass {
  constructor(
    private readonly file: ManifestFile,
    private readonly stream: RecordStream,
  ) {}

  batches(): AsyncIterable<readonly ManifestRecord[]> {
    return this.stream.batches();
  }

  progress(): { done: number; total: number } {
    return { done: this.stream.records, total: this.stream.estimatedRecords };
  }

  expectedRecords(): number {
    return this.stream.expectedRecords;
  }

  problems(): readonly ManifestProblem[] {
    return this.stream.end().problems;
  }

  async sha256(): Promise<string> {
    // A file whose bytes are not what a save would write (blank lines, mixed line ends) is hashed as saved.
    return this.stream.end().savedSha256 ?? savedSha256(this.file);
  }

  close(): void {
    this.stream.close();
  }
}

/** sha256 of a manifest file as a save would write it, through an index of it. */
async function savedSha256(file: ManifestFile): Promise<string> {
  const store = await ManifestStore.open(file.folder, file.fileName);
  try {
    return store.sha256();
  } finally {
    store.close();
  }
}

/** A pass over `manifest`: its file streamed, or the store's records; `indexed` reads a file through an index (a file out of order). */
export async function openPass(manifest: ExportManifest, indexed = false): Promise<RecordPass> {
  if (manifest instanceof ManifestStore) return new StorePass(manifest, false);
  if (indexed) return new StorePass(await ManifestStore.open(manifest.folder, manifest.fileName), true);
  const stream = manifest.open();
  // No manifest: nothing to export, as an empty store has.
  return stream ? new FilePass(manifest, stream) : new StorePass(ManifestStore.fromText(manifest.folder, '', manifest.fileName), true);
}

/** sha256 of the manifest as a save writes it, before any pass (an earlier export's fingerprint is compared). */
export async function manifestSha256(manifest: ExportManifest): Promise<string> {
  return manifest instanceof ManifestStore ? manifest.sha256() : savedSha256(manifest);
}

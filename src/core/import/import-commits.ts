// When an import's work counts as done: a unit (a row group, a shard) is recorded as finished only after
// every image it holds is on disk, and the images are made durable a batch at a time (sync-written.ts),
// not one by one. After each batch of images the import calls checkpoint(): once SYNC_IMAGES images or
// SYNC_BYTES bytes are written since the last sync, a sync starts, in the background, while the next
// batch is written; when it returns, the units finished before it began are recorded (their files are
// made durable by the sync after). settle() waits until everything so far is durable and recorded.
//
// So a kill loses nothing written (the next run keeps every image it finds whole), and a power cut loses
// at most what was written since the last sync and a unit record or two, which the next run redoes.
import * as path from 'node:path';
import { SYNC_BYTES, SYNC_IMAGES } from './import-limits.js';
import { unitsFolder, writeUnit, type FinishedUnit } from './import-state.js';
import { syncWritten } from './sync-written.js';

interface Pending {
  files: string[];
  folders: Set<string>;
  units: { unit: string; finished: FinishedUnit }[];
  images: number;
  bytes: number;
}

function empty(): Pending {
  return { files: [], folders: new Set(), units: [], images: 0, bytes: 0 };
}

export class ImportCommits {
  /** Written since the last sync began. */
  private pending = empty();
  private inFlight: Promise<void> | null = null;
  /** A background sync's failure, thrown by the next call. */
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly out: string,
    private readonly options: { fileSystem?: boolean } = {},
  ) {}

  /** An image file the import wrote (or found whole, from an earlier run). */
  wrote(file: string, bytes: number): void {
    this.pending.files.push(file);
    this.pending.folders.add(path.dirname(file));
    this.pending.images++;
    this.pending.bytes += bytes;
  }

  /** A unit whose images are all written: recorded once they are durable. */
  finished(unit: string, finished: FinishedUnit): void {
    this.pending.units.push({ unit, finished });
  }

  /** Between batches: starts a sync when enough is written (waiting only for one already running). */
  async checkpoint(): Promise<void> {
    this.throwFailure();
    if (this.pending.images < SYNC_IMAGES && this.pending.bytes < SYNC_BYTES) return;
    await this.inFlight;
    this.throwFailure();
    const batch = this.take();
    this.inFlight = this.commit(batch).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
  }

  /** Returns once everything written so far is durable and every unit finished so far is recorded, durably. */
  async settle(): Promise<void> {
    await this.inFlight;
    this.throwFailure();
    // The second round makes the unit records of the first durable.
    for (let round = 0; round < 2 && !this.isEmpty(); round++) await this.commit(this.take());
  }

  private isEmpty(): boolean {
    return this.pending.files.length === 0 && this.pending.folders.size === 0 && this.pending.units.length === 0;
  }

  private take(): Pending {
    const batch = this.pending;
    this.pending = empty();
    return batch;
  }

  private async commit(batch: Pending): Promise<void> {
    await syncWritten({ root: this.out, files: batch.files, folders: [...batch.folders] }, this.options);
    for (const { unit, finished } of batch.units) {
      const file = await writeUnit(this.out, unit, finished);
      // Durable with the next sync; until then a lost record only means the unit is redone.
      this.pending.files.push(file);
      this.pending.folders.add(unitsFolder(this.out));
    }
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}

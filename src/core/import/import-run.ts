// One import's running state: its counters and how it reports them, the units whose images are still
// being written (finished in the background while the next is read), and the source files' partial
// folders waiting for their final names, given once everything is written and recorded durably.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { syncFolder } from '../dataset/atomic-write.js';
import type { ImageWriter } from './image-writer.js';
import { ImportCommits } from './import-commits.js';
import { ImportError } from './import-errors.js';
import { DEFAULT_MAX_IMPORTED_IMAGE_BYTES, DEFAULT_MAX_ROW_GROUP_BYTES, UNITS_FINISHING } from './import-limits.js';
import { IMAGES_FOLDER, finalImageFolder, partialImageFolder, removeAbandonedTempFiles, type FinishedUnit } from './import-state.js';
import type { ImportWorker } from './import-worker-client.js';
import type { UnitManifest } from './import-manifest.js';
import { ReasonTally } from '../util/reason-tally.js';
import type { SourceFile } from './source-files.js';
import { UnitWriter, type ImportTotals } from './unit-writer.js';

export interface ImportProgress {
  phase: 'reading' | 'scanning';
  /** Reading Parquet: rows; reading tar shards: bytes of the shards; scanning: images. */
  done: number;
  total: number;
  /** What done and total count. */
  unit: 'rows' | 'bytes' | 'images';
  bytesWritten: number;
  /** The source file being read. */
  file?: string;
}

/** How an import runs (ImportOptions adds what to import and where). */
export interface RunOptions {
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Images over this many bytes are skipped (default 256 MiB). */
  maxImageBytes?: number;
  /** A Parquet row group whose chosen columns hold more than this, stored or inflated, is refused (default 512 MiB). */
  maxRowGroupBytes?: number;
  /** Images whose headers are read and probed at once (default 8). */
  concurrency?: number;
  /** Perceptual hashes in the manifest (default true; they decode every image: `recaption dedup` can add them later). */
  phash?: boolean;
}

/** The run's counters and how it tells its caller. */
export class Run {
  readonly totals: ImportTotals = { imported: 0, resumed: 0, bytesWritten: 0 };
  readonly skips = new ReasonTally<string>();
  readonly captions = new ReasonTally<string>();
  /** Every unit of the import in order, finished now or earlier: what the manifest is built from. */
  readonly units: string[] = [];
  readonly commits: ImportCommits;
  private finishing: Promise<void>[] = [];
  private toPublish: { stem: string; images: ReadonlySet<string> }[] = [];
  rows = 0;
  done = 0;

  constructor(
    readonly options: RunOptions,
    readonly out: string,
    readonly total: number,
    private readonly unit: 'rows' | 'bytes',
    readonly worker: ImportWorker,
    readonly images: ImageWriter,
    /** The manifest built from the units as they finish, or null when the folder will be scanned instead. */
    readonly manifest: UnitManifest | null,
  ) {
    this.commits = new ImportCommits(out);
  }

  get phash(): boolean {
    return this.options.phash ?? true;
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get maxImageBytes(): number {
    return this.options.maxImageBytes ?? DEFAULT_MAX_IMPORTED_IMAGE_BYTES;
  }

  get maxRowGroupBytes(): number {
    return this.options.maxRowGroupBytes ?? DEFAULT_MAX_ROW_GROUP_BYTES;
  }

  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 8);
  }

  /** Called per row (per chunk of a shard): callers throttle what they show (the CLI's progress line does). */
  progress(file: string): void {
    this.options.onProgress?.({ phase: 'reading', done: this.done, total: this.total, unit: this.unit, bytesWritten: this.totals.bytesWritten, file });
  }

  /** Counts a unit that an earlier run finished; returns its images' file names (in their folder). */
  adopt(finished: FinishedUnit): string[] {
    this.totals.resumed += finished.summary.images;
    this.tally(finished.summary);
    this.manifest?.add(finished);
    return finished.entries.map((e) => path.posix.basename(e.file_name));
  }

  private tally(summary: FinishedUnit['summary']): void {
    this.skips.merge(summary.skipped, summary.examples);
    this.captions.merge(summary.captions ?? {}, summary.captionExamples ?? {});
    this.rows += summary.rows;
  }

  /**
   * Finishes a unit in the background: once its images are written it goes to the commits (recorded once
   * they are durable) and `recorded` gets its images' file names. The next unit is read meanwhile; at
   * most UNITS_FINISHING wait at once.
   */
  async finishUnit(unit: string, writer: UnitWriter, recorded: (names: string[]) => void): Promise<void> {
    const done = writer.finish().then((finished) => {
      this.commits.finished(unit, finished);
      this.tally(finished.summary);
      this.manifest?.add(finished);
      recorded(finished.entries.map((e) => path.posix.basename(e.file_name)));
    });
    // Thrown by the wait below or by unitsFinished(); not left unhandled meanwhile.
    done.catch(() => undefined);
    this.finishing.push(done);
    while (this.finishing.length > UNITS_FINISHING) await this.finishing.shift();
  }

  /** Waits until every unit handed to finishUnit has gone to the commits. */
  async unitsFinished(): Promise<void> {
    while (this.finishing.length > 0) await this.finishing.shift();
  }

  /** Gives a source file's partial folder its final name once the import's writing is done (publishAll). */
  publishLater(stem: string, images: ReadonlySet<string>): void {
    this.toPublish.push({ stem, images });
  }

  /** Every unit recorded durably, then each partial folder given its final name. */
  async publishAll(): Promise<void> {
    await this.unitsFinished();
    await this.commits.settle();
    for (const { stem, images } of this.toPublish) await publish(this.out, stem, images);
    if (this.toPublish.length > 0) await syncFolder(path.join(this.out, IMAGES_FOLDER));
    this.toPublish = [];
  }

  newWriter(dir: string, stem: string, file: SourceFile): UnitWriter {
    return new UnitWriter(dir, `${IMAGES_FOLDER}/${stem}`, file.name, this);
  }
}

export async function exists(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => null)) !== null;
}

/**
 * Removes what the partial folder holds beyond the images the file's units record: an image an earlier
 * run wrote for a row this run skipped (it was given other limits), which a scan would otherwise find.
 */
async function removeStrays(dir: string, images: ReadonlySet<string>): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!entry.name.startsWith('.') && !entry.isDirectory() && !images.has(entry.name)) await fs.rm(path.join(dir, entry.name), { force: true });
  }
}

/**
 * Gives the partial folder its final name, every unit of the file being in and recorded durably
 * (`images`: the file names its units record). The caller syncs the images folder afterwards.
 */
async function publish(out: string, stem: string, images: ReadonlySet<string>): Promise<void> {
  const partial = partialImageFolder(out, stem);
  const final = finalImageFolder(out, stem);
  if (await exists(final)) {
    if (await exists(partial)) throw new ImportError('out-not-empty', `${final} and ${partial} both exist; remove the one that does not belong to this import`);
    return;
  }
  await removeStrays(partial, images);
  await fs.rename(partial, final);
}

export async function preparePartial(out: string, stem: string): Promise<string> {
  const dir = partialImageFolder(out, stem);
  await fs.mkdir(dir, { recursive: true });
  await removeAbandonedTempFiles(dir);
  return dir;
}

// Imports a dataset from Parquet files or WebDataset tar shards into a Recaption dataset folder:
//
//   <out>/images/<file stem>/<row or key>.<ext>   each row's / sample's image, named by the import
//   <out>/recaption.jsonl                         the manifest, by a scan of the folder, with the captions
//
// Every source file is checked first (Parquet: magic, footer, columns, each row group against the
// bounds; tar: not a compressed file), so a bad file stops the import before anything is written. The
// files' bytes are parsed in a worker thread (import-worker.ts) with a bounded heap and a watchdog;
// this side writes what it decodes. A file's images are written into a hidden partial folder that gets
// the final name only when the whole file is in; each finished row group (or shard) is recorded, so a
// stopped import, re-run into the same folder, continues where it stopped without rewriting an image.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mapConcurrent } from '../util/map-concurrent.js';
import { ImportError, throwIfCancelled } from './import-errors.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_ROW_GROUP_BYTES, MAX_LISTED_WARNINGS } from './import-limits.js';
import type { RowBatch } from './import-rows.js';
import { ImportWorker } from './import-worker-client.js';
import { writeImportManifest } from './import-manifest.js';
import {
  IMAGES_FOLDER, checkOutput, finalImageFolder, partialImageFolder, readUnit, writeState, writeUnit, type FinishedUnit, type ImportState,
} from './import-state.js';
import { removeAbandonedImageTemps } from './image-writer.js';
import { syncFolder } from '../dataset/atomic-write.js';
import type { ColumnChoice } from './parquet-columns.js';
import type { RowGroupInfo } from './parquet-file.js';
import { resolveImage } from './parquet-values.js';
import { UniqueNames, stemOf } from './safe-names.js';
import { ReasonTally } from '../util/reason-tally.js';
import { listSource, type ImportFormat, type ImportSource, type SourceFile } from './source-files.js';
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

export interface ImportOptions {
  /** A .parquet file, a .tar shard, or a folder of either (not both). */
  source: string;
  /** The dataset folder to create (or an earlier import of the same source, to continue). */
  out: string;
  imageColumn?: string;
  captionColumn?: string;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  /** Images over this many bytes are skipped (default 256 MiB). */
  maxImageBytes?: number;
  /** A Parquet row group whose chosen columns hold more than this, stored or inflated, is refused (default 512 MiB). */
  maxRowGroupBytes?: number;
  /** Images sniffed and written at once (default 8). */
  concurrency?: number;
  /** Perceptual hashes in the manifest's scan (default true; it decodes every image: `recaption dedup` can add them later). */
  phash?: boolean;
}

export interface ImportReport {
  format: ImportFormat;
  files: number;
  /** Rows (Parquet) or samples (WebDataset) in the source. */
  rows: number;
  /** Images written by this run. */
  imported: number;
  /** Images an earlier run had already written, left as they were. */
  resumed: number;
  /** Rows or samples without a usable image, by reason (over the whole import). */
  skipped: Record<string, number>;
  /** The first few of each reason ("train.parquet row 12"). */
  skippedExamples: Record<string, string[]>;
  /**
   * Captions of imported images that were cleaned (control or bidirectional-override characters removed),
   * left out (over the caption limit) or not UTF-8, by what happened, with the first few of each.
   */
  captions: Record<string, number>;
  captionExamples: Record<string, string[]>;
  bytesWritten: number;
  manifest: string;
  /** Records in the manifest. */
  images: number;
  imageColumn?: string;
  captionColumn?: string;
  /** What the scan of the imported folder had to say: the first MAX_LISTED_WARNINGS of it. */
  warnings: string[];
  /** Warnings beyond those listed. */
  moreWarnings: number;
}

/** The run's counters and how it tells its caller. */
class Run {
  readonly totals: ImportTotals = { imported: 0, resumed: 0, bytesWritten: 0 };
  readonly skips = new ReasonTally<string>();
  readonly captions = new ReasonTally<string>();
  /** Every unit of the import in order, finished now or earlier: what the manifest is built from. */
  readonly units: string[] = [];
  rows = 0;
  done = 0;

  constructor(
    readonly options: ImportOptions,
    readonly out: string,
    readonly total: number,
    private readonly unit: 'rows' | 'bytes',
    readonly worker: ImportWorker,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get maxImageBytes(): number {
    return this.options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
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

  /** Counts a unit that an earlier run finished. */
  adopt(finished: FinishedUnit): void {
    this.totals.resumed += finished.summary.images;
    this.tally(finished.summary);
  }

  private tally(summary: FinishedUnit['summary']): void {
    this.skips.merge(summary.skipped, summary.examples);
    this.captions.merge(summary.captions ?? {}, summary.captionExamples ?? {});
    this.rows += summary.rows;
  }

  async finishUnit(unit: string, writer: UnitWriter, dir: string): Promise<void> {
    const finished = writer.finish();
    // The images' renames are made durable before the unit is recorded as finished.
    await syncFolder(dir);
    await writeUnit(this.out, unit, finished);
    this.tally(finished.summary);
  }
}

async function exists(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => null)) !== null;
}

/** Gives the partial folder its final name once every unit of the file is in. */
async function publish(out: string, stem: string): Promise<void> {
  const partial = partialImageFolder(out, stem);
  const final = finalImageFolder(out, stem);
  if (await exists(final)) {
    if (await exists(partial)) throw new ImportError('out-not-empty', `${final} and ${partial} both exist; remove the one that does not belong to this import`);
    return;
  }
  await fs.rename(partial, final);
  await syncFolder(path.join(out, IMAGES_FOLDER));
}

async function preparePartial(out: string, stem: string): Promise<string> {
  const dir = partialImageFolder(out, stem);
  await fs.mkdir(dir, { recursive: true });
  await removeAbandonedImageTemps(dir);
  return dir;
}

function noImages(file: string, where: string, what: string): ImportError {
  return new ImportError('no-images', `${file}: ${where} holds no image (${what}); nothing was imported from it`);
}

// ---- Parquet ----

interface ParquetPlan {
  file: SourceFile;
  stem: string;
  rows: number;
  rowGroups: RowGroupInfo[];
  choice: ColumnChoice;
}

/** Opens every file once, in the worker, before anything is written: magic, footer, columns, row groups. */
async function planParquet(worker: ImportWorker, source: ImportSource, named: { image?: string; caption?: string }, limits: { maxImageBytes: number; maxRowGroupBytes: number }): Promise<ParquetPlan[]> {
  const stems = new UniqueNames();
  const plans: ParquetPlan[] = [];
  let pinned = named;
  for (const file of source.files) {
    const { rows, rowGroups, choice } = await worker.request({ op: 'plan-parquet', file, named: pinned, limits }, file.name);
    // Later files must have the columns the first one gave (by name); a file without a caption column
    // where the first had one is a mistake worth stopping for.
    pinned = { image: choice.image.name, caption: choice.caption?.name };
    if (plans.length > 0 && plans[0]!.choice.caption === null) choice.caption = null;
    plans.push({ file, stem: stems.take(stemOf(file.name)), rows, rowGroups, choice });
  }
  return plans;
}

function rowName(row: number, rows: number): string {
  return String(row).padStart(Math.max(6, String(Math.max(0, rows - 1)).length), '0');
}

/** The batches of the stream the worker has open, until it is done. */
async function* batches(worker: ImportWorker, what: string): AsyncGenerator<RowBatch> {
  for (;;) {
    const { batch } = await worker.request({ op: 'next' }, what);
    if (batch === null) return;
    yield batch;
  }
}

async function importParquetFile(run: Run, plan: ParquetPlan): Promise<void> {
  const { file, stem, choice } = plan;
  const units = plan.rowGroups.map((g) => `${stem}.rg${String(g.index).padStart(5, '0')}`);
  run.units.push(...units);
  const alreadyFinal = await exists(finalImageFolder(run.out, stem));
  const dir = alreadyFinal ? '' : await preparePartial(run.out, stem);
  const folder = path.dirname(file.abs);
  const limits = { maxImageBytes: run.maxImageBytes, maxRowGroupBytes: run.maxRowGroupBytes };
  for (const group of plan.rowGroups) {
    throwIfCancelled(run.signal);
    const unit = units[group.index]!;
    const finished = await readUnit(run.out, unit);
    if (finished || alreadyFinal) {
      if (finished) run.adopt(finished);
      run.done += group.rows;
      run.progress(file.name);
      continue;
    }
    const what = `${file.name} row group ${group.index}`;
    await run.worker.request({ op: 'open-row-group', file, group, choice, limits }, what);
    const writer = new UnitWriter(dir, `${IMAGES_FOLDER}/${stem}`, file.name, run.totals);
    for await (const batch of batches(run.worker, what)) {
      await mapConcurrent(batch.rows, run.concurrency, async (row, i) => {
        throwIfCancelled(run.signal);
        const position = batch.first + i;
        const number = group.start + position;
        const image = await resolveImage(row.image, folder, run.maxImageBytes);
        await writer.add({ name: rowName(number, plan.rows), label: `${file.name} row ${number}`, image, caption: row.caption, source: { source_row: number } }, position);
        run.done++;
        run.progress(file.name);
      });
    }
    if (group.index === 0 && group.rows > 0 && writer.imageCount === 0) {
      throw noImages(file.name, `column "${choice.image.name}"`, `no row of its first row group holds image bytes sharp can read`);
    }
    await run.finishUnit(unit, writer, dir);
  }
  if (!alreadyFinal) await publish(run.out, stem);
}

// ---- WebDataset ----

async function importShard(run: Run, file: SourceFile, stem: string, bytesBefore: number): Promise<void> {
  const unit = stem;
  run.units.push(unit);
  const finished = await readUnit(run.out, unit);
  if (finished) {
    run.adopt(finished);
    if (!(await exists(finalImageFolder(run.out, stem)))) await publish(run.out, stem);
    return;
  }
  const dir = await preparePartial(run.out, stem);
  const writer = new UnitWriter(dir, `${IMAGES_FOLDER}/${stem}`, file.name, run.totals);
  const names = new UniqueNames();
  await run.worker.request({ op: 'open-shard', file, limits: { maxImageBytes: run.maxImageBytes } }, file.name);
  for await (const batch of batches(run.worker, file.name)) {
    // Names in the shard's order, whatever order the writes finish in.
    const named = batch.rows.map((row) => ({ row, name: names.take(row.key ?? '') }));
    await mapConcurrent(named, run.concurrency, async ({ row, name }, i) => {
      throwIfCancelled(run.signal);
      const key = row.key ?? '';
      await writer.add({ name, label: `${file.name} key ${key}`, image: 'path' in row.image ? { skip: 'no image' } : row.image, caption: row.caption, source: { source_key: key } }, batch.first + i);
      run.progress(file.name);
    });
    if (batch.position !== undefined) {
      run.done = bytesBefore + batch.position;
      run.progress(file.name);
    }
  }
  throwIfCancelled(run.signal);
  const summary = writer.finish().summary;
  if (summary.rows > 0 && summary.images === 0) throw noImages(file.name, 'the shard', 'no sample has an image member sharp can read');
  await run.finishUnit(unit, writer, dir);
  await publish(run.out, stem);
}

// ---- The import ----

function checkColumns(previous: ImportState | null, options: ImportOptions): { image?: string; caption?: string } {
  if (!previous) return { image: options.imageColumn, caption: options.captionColumn };
  for (const [given, recorded, what] of [
    [options.imageColumn, previous.imageColumn, 'image'],
    [options.captionColumn, previous.captionColumn, 'caption'],
  ] as const) {
    if (given !== undefined && given !== recorded) {
      throw new ImportError('source-changed', `the import being continued in this folder used ${recorded === undefined ? 'no' : `"${recorded}" as its`} ${what} column, not "${given}"; import into a new folder to use another`);
    }
  }
  return { image: previous.imageColumn, caption: previous.captionColumn };
}

export async function importDataset(options: ImportOptions): Promise<ImportReport> {
  const out = path.resolve(options.out);
  const source = await listSource(options.source);
  if (source.files.some((f) => path.resolve(f.abs) === out)) throw new ImportError('bad-source', `--out ${out} is the source itself`);
  const previous = await checkOutput(out, source);
  const named = checkColumns(previous, options);
  throwIfCancelled(options.signal);
  const worker = new ImportWorker({ signal: options.signal });
  let run: Run;
  let plans: ParquetPlan[] | null;
  let state: ImportState;
  try {
    const limits = { maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES, maxRowGroupBytes: options.maxRowGroupBytes ?? DEFAULT_MAX_ROW_GROUP_BYTES };
    plans = source.format === 'parquet' ? await planParquet(worker, source, named, limits) : null;
    if (!plans) for (const file of source.files) await worker.request({ op: 'plan-shard', file }, file.name);
    const choice = plans?.[0]?.choice;
    state = {
      version: 1,
      format: source.format,
      files: source.files.map((f) => ({ name: f.name, bytes: f.bytes })),
      ...(choice ? { imageColumn: choice.image.name, ...(choice.caption ? { captionColumn: choice.caption.name } : {}) } : {}),
    };
    // Only now, every file checked, does the output folder get anything.
    throwIfCancelled(options.signal);
    await writeState(out, state);

    const total = plans ? plans.reduce((n, p) => n + p.rows, 0) : source.files.reduce((n, f) => n + f.bytes, 0);
    run = new Run(options, out, total, plans ? 'rows' : 'bytes', worker);
    if (plans) {
      for (const plan of plans) await importParquetFile(run, plan);
    } else {
      const stems = new UniqueNames();
      let bytesBefore = 0;
      for (const file of source.files) {
        throwIfCancelled(options.signal);
        await importShard(run, file, stems.take(stemOf(file.name)), bytesBefore);
        bytesBefore += file.bytes;
        run.done = bytesBefore;
      }
    }
  } finally {
    await worker.close();
  }
  run.progress(source.files.at(-1)?.name ?? '');

  const manifest = await writeImportManifest(out, run.units, source.format, {
    signal: options.signal,
    phash: options.phash,
    onProgress: (done, scanTotal) => options.onProgress?.({ phase: 'scanning', done, total: scanTotal, unit: 'images', bytesWritten: run.totals.bytesWritten }),
  });
  return {
    format: source.format,
    files: source.files.length,
    rows: plans ? run.total : run.rows,
    imported: run.totals.imported,
    resumed: run.totals.resumed,
    skipped: run.skips.counts,
    skippedExamples: run.skips.examples,
    captions: run.captions.counts,
    captionExamples: run.captions.examples,
    bytesWritten: run.totals.bytesWritten,
    manifest: manifest.manifest,
    images: manifest.records,
    ...(state.imageColumn !== undefined ? { imageColumn: state.imageColumn } : {}),
    ...(state.captionColumn !== undefined ? { captionColumn: state.captionColumn } : {}),
    warnings: manifest.warnings.slice(0, MAX_LISTED_WARNINGS),
    moreWarnings: Math.max(0, manifest.warnings.length - MAX_LISTED_WARNINGS),
  };
}

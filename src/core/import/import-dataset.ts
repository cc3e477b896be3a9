// Imports a dataset from Parquet files or WebDataset tar shards into a Recaption dataset folder:
//
//   <out>/images/<file stem>/<row or key>.<ext>   each row's / sample's image, named by the import
//   <out>/recaption.jsonl                         the manifest: what a scan of the folder gives, with the captions
//
// Every source file is checked first (Parquet: magic, footer, columns, each row group against the
// bounds; tar: not a compressed file), so a bad file stops the import before anything is written. The
// files' bytes are parsed in a worker thread (import-worker.ts) with a bounded heap and a watchdog, one
// stream per file; this side reads each image's header and probes it from the bytes in hand, and hands
// the images to writer threads (image-writer.ts), while the worker reads the next batch. A file's images
// go into a hidden partial folder that gets its final name once the import has written everything; each
// finished row group (or shard) is recorded once its images are durable (import-commits.ts: a sync per
// batch, not per file), so a stopped import, re-run into the same folder, continues where it stopped
// without rewriting an image. The manifest is built from the probes, as a scan of the folder would
// write it, not by reading the folder again (import-manifest.ts).
import * as path from 'node:path';
import { mapConcurrent } from '../util/map-concurrent.js';
import { ImportError, throwIfCancelled } from './import-errors.js';
import { DEFAULT_MAX_IMPORTED_IMAGE_BYTES, DEFAULT_MAX_ROW_GROUP_BYTES, MAX_LISTED_WARNINGS } from './import-limits.js';
import type { RowBatch } from './import-rows.js';
import { ImportWorker } from './import-worker-client.js';
import { ImageWriter } from './image-writer.js';
import { UnitManifest, writeImportManifest } from './import-manifest.js';
import { Run, exists, preparePartial, type RunOptions } from './import-run.js';
import { checkOutput, finalImageFolder, readUnit, writeState, type ImportState } from './import-state.js';
import type { ColumnChoice } from './parquet-columns.js';
import type { RowGroupInfo } from './parquet-file.js';
import { resolveImage } from './parquet-values.js';
import { UniqueNames, stemOf } from './safe-names.js';
import { listSource, type ImportFormat, type ImportSource, type SourceFile } from './source-files.js';
import type { UnitWriter } from './unit-writer.js';

export type { ImportProgress, RunOptions } from './import-run.js';

/** What to import and where; how the run goes (limits, progress, cancelling) is RunOptions'. */
export interface ImportOptions extends RunOptions {
  /** A .parquet file, a .tar shard, or a folder of either (not both). */
  source: string;
  /** The dataset folder to create (or an earlier import of the same source, to continue). */
  out: string;
  imageColumn?: string;
  captionColumn?: string;
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

/**
 * The batches of the stream the worker has open, until it is done. The next one is asked for as soon as
 * one arrives, so the worker reads it while this side writes. A batch left unasked-for when the caller
 * stops early is waited for: the worker takes one request at a time.
 */
async function* batches(worker: ImportWorker, what: string): AsyncGenerator<RowBatch> {
  // Asked for before the caller is done with the batch in hand: a cancel meanwhile rejects it unawaited,
  // which is not an unhandled rejection (it is awaited next, or in `finally`).
  const ask = () => {
    const asked = worker.request({ op: 'next' }, what);
    asked.catch(() => undefined);
    return asked;
  };
  let next: Promise<{ batch: RowBatch | null }> | null = ask();
  try {
    for (;;) {
      const { batch }: { batch: RowBatch | null } = await next;
      next = null;
      if (batch === null) return;
      next = ask();
      yield batch;
    }
  } finally {
    await next?.catch(() => undefined);
  }
}

async function importParquetFile(run: Run, plan: ParquetPlan): Promise<void> {
  const { file, stem, choice } = plan;
  const units = plan.rowGroups.map((g) => `${stem}.rg${String(g.index).padStart(5, '0')}`);
  run.units.push(...units);
  const alreadyFinal = await exists(finalImageFolder(run.out, stem));
  const images = new Set<string>();
  const recorded = (names: string[]) => names.forEach((n) => images.add(n));
  // Row groups an earlier run finished are adopted; the rest are read in one stream.
  const toRead: RowGroupInfo[] = [];
  for (const group of plan.rowGroups) {
    const finished = await readUnit(run.out, units[group.index]!);
    if (finished) recorded(run.adopt(finished));
    // A file published by an earlier run without this unit's record: the manifest is a scan's.
    else if (alreadyFinal) run.manifest?.add(null);
    if (finished || alreadyFinal) {
      run.done += group.rows;
      run.progress(file.name);
    } else {
      toRead.push(group);
    }
  }
  if (toRead.length > 0) {
    const dir = await preparePartial(run.out, stem);
    const folder = path.dirname(file.abs);
    const limits = { maxImageBytes: run.maxImageBytes, maxRowGroupBytes: run.maxRowGroupBytes };
    await run.worker.request({ op: 'open-row-groups', file, groups: toRead, choice, limits }, file.name);
    // The row group being written, and how to finish it (and every row group before the next batch's:
    // one without rows sends no batch).
    let next = 0;
    let writer: UnitWriter | null = null;
    const finishUpTo = async (index: number) => {
      while (next < toRead.length && toRead[next]!.index < index) {
        const group = toRead[next++]!;
        const done = writer ?? run.newWriter(dir, stem, file);
        writer = null;
        if (group.index === 0 && group.rows > 0 && done.imageCount === 0) {
          throw noImages(file.name, `column "${choice.image.name}"`, `no row of its first row group holds image bytes sharp can read`);
        }
        await run.finishUnit(units[group.index]!, done, recorded);
      }
    };
    for await (const batch of batches(run.worker, file.name)) {
      throwIfCancelled(run.signal);
      const group = plan.rowGroups[batch.group ?? -1];
      if (!group) throw new ImportError('corrupt', `${file.name}: the reader sent rows of no row group it was asked for`);
      await finishUpTo(group.index);
      const unitWriter: UnitWriter = (writer ??= run.newWriter(dir, stem, file));
      await mapConcurrent(batch.rows, run.concurrency, async (row, i) => {
        throwIfCancelled(run.signal);
        const position = batch.first + i;
        const number = group.start + position;
        const image = await resolveImage(row.image, folder, run.maxImageBytes);
        await unitWriter.add({ name: rowName(number, plan.rows), label: `${file.name} row ${number}`, image, caption: row.caption, source: { source_row: number } }, position);
        run.done++;
        run.progress(file.name);
      });
      await unitWriter.flush();
      await run.commits.checkpoint();
    }
    await finishUpTo(Infinity);
  }
  if (!alreadyFinal) run.publishLater(stem, images);
}

// ---- WebDataset ----

async function importShard(run: Run, file: SourceFile, stem: string, bytesBefore: number): Promise<void> {
  const unit = stem;
  run.units.push(unit);
  const finished = await readUnit(run.out, unit);
  if (finished) {
    const images = new Set(run.adopt(finished));
    if (!(await exists(finalImageFolder(run.out, stem)))) run.publishLater(stem, images);
    return;
  }
  const dir = await preparePartial(run.out, stem);
  const writer = run.newWriter(dir, stem, file);
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
    await writer.flush();
    await run.commits.checkpoint();
  }
  throwIfCancelled(run.signal);
  if (writer.rows > 0 && writer.imageCount === 0) throw noImages(file.name, 'the shard', 'no sample has an image member sharp can read');
  const images = new Set<string>();
  await run.finishUnit(unit, writer, (names) => names.forEach((n) => images.add(n)));
  run.publishLater(stem, images);
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
  // The writers start once the files are checked (a refused file needs none), while the first batch is read.
  let images: ImageWriter | null = null;
  let run: Run;
  let plans: ParquetPlan[] | null;
  let state: ImportState;
  try {
    const limits = { maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMPORTED_IMAGE_BYTES, maxRowGroupBytes: options.maxRowGroupBytes ?? DEFAULT_MAX_ROW_GROUP_BYTES };
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
    images = new ImageWriter();
    run = new Run(options, out, total, plans ? 'rows' : 'bytes', worker, images, await UnitManifest.for(out, source.format));
    try {
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
      await run.publishAll();
    } catch (err) {
      // Units finished before the stop are recorded, so the next run starts after them.
      await run.unitsFinished().catch(() => undefined);
      await run.commits.settle().catch(() => undefined);
      throw err;
    }
  } finally {
    await Promise.all([worker.close(), images?.close()]);
  }
  run.progress(source.files.at(-1)?.name ?? '');

  const manifest = await writeImportManifest(out, run.units, source.format, run.manifest, {
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

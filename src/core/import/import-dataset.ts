// Imports a dataset from Parquet files or WebDataset tar shards into a Recaption dataset folder:
//
//   <out>/images/<file stem>/<row or key>.<ext>   each row's / sample's image, named by the import
//   <out>/recaption.jsonl                         the manifest, by a scan of the folder, with the captions
//
// Parquet files are all checked first (magic, footer, columns), so a bad file stops the import before
// anything is written. A file's images are written into a hidden partial folder that gets the final
// name only when the whole file is in; each finished row group (or shard) is recorded, so a stopped
// import, re-run into the same folder, continues where it stopped without rewriting an image.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeText } from '../dataset/ground-truth.js';
import { mapConcurrent } from '../util/map-concurrent.js';
import { ImportError, throwIfCancelled } from './import-errors.js';
import { writeImportManifest } from './import-manifest.js';
import {
  IMAGES_FOLDER, checkOutput, finalImageFolder, partialImageFolder, readUnit, writeState, writeUnit, type FinishedUnit, type ImportState,
} from './import-state.js';
import { removeAbandonedImageTemps } from './image-writer.js';
import { syncFolder } from '../dataset/atomic-write.js';
import { chooseColumns, type ColumnChoice } from './parquet-columns.js';
import { ParquetFile } from './parquet-file.js';
import { captionOf, imageOf } from './parquet-values.js';
import { UniqueNames, stemOf } from './safe-names.js';
import { ReasonTally } from '../util/reason-tally.js';
import { listSource, type ImportFormat, type ImportSource, type SourceFile } from './source-files.js';
import { TaskWindow } from './task-window.js';
import { UnitWriter, type ImageInput, type ImportTotals } from './unit-writer.js';
import { readShard, sampleCaption } from './webdataset-shard.js';


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
  /** A Parquet row group whose two columns hold more than this, uncompressed, is refused (default 1 GiB). */
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
  bytesWritten: number;
  manifest: string;
  /** Records in the manifest. */
  images: number;
  imageColumn?: string;
  captionColumn?: string;
  /** What the scan of the imported folder had to say. */
  warnings: string[];
}

const DEFAULT_MAX_IMAGE_BYTES = 256 << 20;
const DEFAULT_MAX_ROW_GROUP_BYTES = 1 << 30;
/** Bytes of a .txt/.caption/.json member read into memory, at most. */
const MAX_TEXT_BYTES = 4 << 20;

/** The run's counters and how it tells its caller. */
class Run {
  readonly totals: ImportTotals = { imported: 0, resumed: 0, bytesWritten: 0 };
  readonly skips = new ReasonTally<string>();
  /** Every unit of the import in order, finished now or earlier: what the manifest is built from. */
  readonly units: string[] = [];
  rows = 0;
  done = 0;

  constructor(
    readonly options: ImportOptions,
    readonly out: string,
    readonly total: number,
    private readonly unit: 'rows' | 'bytes',
  ) {}

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get maxImageBytes(): number {
    return this.options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
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
    this.skips.merge(finished.summary.skipped, finished.summary.examples);
    this.rows += finished.summary.rows;
  }

  async finishUnit(unit: string, writer: UnitWriter, dir: string): Promise<void> {
    const finished = writer.finish();
    // The images' renames are made durable before the unit is recorded as finished.
    await syncFolder(dir);
    await writeUnit(this.out, unit, finished);
    this.skips.merge(finished.summary.skipped, finished.summary.examples);
    this.rows += finished.summary.rows;
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
  choice: ColumnChoice;
}

/** Opens every file once, before anything is written: magic, footer, and the columns to read. */
async function planParquet(source: ImportSource, named: { image?: string; caption?: string }): Promise<ParquetPlan[]> {
  const stems = new UniqueNames();
  const plans: ParquetPlan[] = [];
  let pinned = named;
  for (const file of source.files) {
    const pf = await ParquetFile.open(file);
    try {
      const choice = chooseColumns(pf.schema, file.name, pinned);
      // Later files must have the columns the first one gave (by name); a file without a caption column
      // where the first had one is a mistake worth stopping for.
      pinned = { image: choice.image.name, caption: choice.caption?.name };
      if (plans.length > 0 && plans[0]!.choice.caption === null) choice.caption = null;
      plans.push({ file, stem: stems.take(stemOf(file.name)), rows: pf.rows, choice });
    } finally {
      await pf.close();
    }
  }
  return plans;
}

function rowName(row: number, rows: number): string {
  return String(row).padStart(Math.max(6, String(Math.max(0, rows - 1)).length), '0');
}

async function importParquetFile(run: Run, plan: ParquetPlan): Promise<void> {
  const { file, stem, choice } = plan;
  const pf = await ParquetFile.open(file);
  try {
    const units = pf.rowGroups.map((g) => `${stem}.rg${String(g.index).padStart(5, '0')}`);
    run.units.push(...units);
    const alreadyFinal = await exists(finalImageFolder(run.out, stem));
    const dir = alreadyFinal ? '' : await preparePartial(run.out, stem);
    const columns = choice.caption ? [choice.image.name, choice.caption.name] : [choice.image.name];
    const folder = path.dirname(file.abs);
    for (const group of pf.rowGroups) {
      throwIfCancelled(run.signal);
      const unit = units[group.index]!;
      const finished = await readUnit(run.out, unit);
      if (finished || alreadyFinal) {
        if (finished) run.adopt(finished);
        run.done += group.rows;
        run.progress(file.name);
        continue;
      }
      const values = await pf.readRowGroup(group, columns, run.options.maxRowGroupBytes ?? DEFAULT_MAX_ROW_GROUP_BYTES);
      const writer = new UnitWriter(dir, `${IMAGES_FOLDER}/${stem}`, file.name, run.totals);
      await mapConcurrent(values, run.concurrency, async (value, i) => {
        throwIfCancelled(run.signal);
        const row = group.start + i;
        const image: ImageInput = await imageOf(value[0], choice.image.kind, folder, run.maxImageBytes);
        const caption = choice.caption ? captionOf(value[1]) : null;
        await writer.add({ name: rowName(row, plan.rows), label: `${file.name} row ${row}`, image, caption, source: { source_row: row } }, i);
        run.done++;
        run.progress(file.name);
      });
      if (group.index === 0 && group.rows > 0 && writer.imageCount === 0) {
        throw noImages(file.name, `column "${choice.image.name}"`, `no row of its first row group holds image bytes sharp can read`);
      }
      await run.finishUnit(unit, writer, dir);
    }
    if (!alreadyFinal) await publish(run.out, stem);
  } finally {
    await pf.close();
  }
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
  let position = 0;
  const window = new TaskWindow(run.concurrency);
  const limits = { maxImageBytes: run.maxImageBytes, maxTextBytes: MAX_TEXT_BYTES };
  const onBytes = (bytes: number) => {
    run.done = bytesBefore + bytes;
    run.progress(file.name);
  };
  try {
    for await (const sample of readShard(file, limits, onBytes)) {
      throwIfCancelled(run.signal);
      const label = `${file.name} key ${sample.key}`;
      const image: ImageInput = 'member' in sample.image ? { bytes: sample.image.bytes } : sample.image;
      const caption = sampleCaption(sample.texts, (bytes) => decodeText(bytes, label).text);
      const name = names.take(sample.key);
      const at = position++;
      await window.add(async () => {
        await writer.add({ name, label, image, caption, source: { source_key: sample.key } }, at);
        run.progress(file.name);
      });
    }
  } finally {
    // However the shard ends (a refused member, a cancel), no write is left running behind the caller.
    await window.settle();
  }
  await window.drain();
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
  const plans = source.format === 'parquet' ? await planParquet(source, named) : null;
  const choice = plans?.[0]?.choice;
  const state: ImportState = {
    version: 1,
    format: source.format,
    files: source.files.map((f) => ({ name: f.name, bytes: f.bytes })),
    ...(choice ? { imageColumn: choice.image.name, ...(choice.caption ? { captionColumn: choice.caption.name } : {}) } : {}),
  };
  throwIfCancelled(options.signal);
  await writeState(out, state);

  const total = plans ? plans.reduce((n, p) => n + p.rows, 0) : source.files.reduce((n, f) => n + f.bytes, 0);
  const run = new Run(options, out, total, plans ? 'rows' : 'bytes');
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
  run.progress(source.files.at(-1)?.name ?? '');

  const manifest = await writeImportManifest(out, run.units, source.format, {
    signal: options.signal,
    phash: options.phash,
    onProgress: (done, scanTotal) => options.onProgress?.({ phase: 'scanning', done, total: scanTotal, unit: 'images', bytesWritten: run.totals.bytesWritten }),
  });
  return {
    format: source.format,
    files: source.files.length,
    rows: plans ? total : run.rows,
    imported: run.totals.imported,
    resumed: run.totals.resumed,
    skipped: run.skips.counts,
    skippedExamples: run.skips.examples,
    bytesWritten: run.totals.bytesWritten,
    manifest: manifest.manifest,
    images: manifest.records,
    ...(state.imageColumn !== undefined ? { imageColumn: state.imageColumn } : {}),
    ...(state.captionColumn !== undefined ? { captionColumn: state.captionColumn } : {}),
    warnings: manifest.warnings,
  };
}

// A Parquet row group's rows as the import wants them (in the import worker): the caption and path
// columns read whole, the image bytes page by page (so one page of images is in memory at a time, not
// the row group's), each row's image bounded by the image size limit and its caption made what every
// writer stores. Errors name the file, row group and column, in words about the file.
import { captionFromBytes, type CaptionValue } from './caption-policy.js';
import { ImportError } from './import-errors.js';
import { MAX_IMAGE_PATH_BYTES } from './import-limits.js';
import type { DecodedRow, RowBatch, RowImage } from './import-rows.js';
import { RowGroupBudget, readChunkPages } from './parquet-column-chunk.js';
import { chooseColumns, type ColumnChoice } from './parquet-columns.js';
import type { LeafValue } from './parquet-data-page.js';
import { leavesOf, type LeafToRead, type ParquetFile, type RowGroupInfo } from './parquet-file.js';
import { ParquetFormatError, count, describeDecodeError } from './parquet-format-error.js';
import { BatchPacker } from './row-batches.js';

export interface ParquetLimits {
  maxImageBytes: number;
  maxRowGroupBytes: number;
}

export interface ParquetPlan {
  rows: number;
  rowGroups: RowGroupInfo[];
  choice: ColumnChoice;
}

/** The columns to read and every row group checked against the bounds: all before anything is written. */
export function planParquetFile(file: ParquetFile, named: { image?: string; caption?: string }, limits: ParquetLimits): ParquetPlan {
  const choice = chooseColumns(file.schema, file.source.name, named);
  const leaves = leavesOf(file.schema, choice);
  for (const group of file.rowGroups) file.checkRowGroup(group, leaves, limits.maxRowGroupBytes);
  return { rows: file.rows, rowGroups: [...file.rowGroups], choice };
}

function toImportError(err: unknown, where: string): ImportError {
  if (err instanceof ImportError) return err;
  const kind = err instanceof ParquetFormatError ? err.kind : 'corrupt';
  const advice = kind === 'corrupt' ? '; the file is damaged: download it again' : '';
  return new ImportError(kind === 'too-large' ? 'too-large' : 'corrupt', `${where}: ${describeDecodeError(err)}${advice}`);
}

async function readWholeLeaf(file: ParquetFile, group: RowGroupInfo, leaf: LeafToRead, budget: RowGroupBudget, onPage: () => void): Promise<LeafValue[]> {
  const values: LeafValue[] = [];
  for await (const page of readChunkPages(file.bytes, file.chunkOf(group, leaf), budget, onPage)) {
    for (const v of page) values.push(v);
  }
  return values;
}

const utf8 = new TextDecoder('utf-8');

function pathImage(value: LeafValue): RowImage | null {
  if (value === null || value.length === 0) return null;
  if (value.length > MAX_IMAGE_PATH_BYTES) return { skip: 'image path unsafe', detail: `a path of ${count(value.length)} bytes` };
  return { path: utf8.decode(value) };
}

function imageOf(bytes: LeafValue | undefined, pathValue: LeafValue | undefined, maxImageBytes: number): RowImage {
  if (bytes) {
    if (bytes.length > maxImageBytes) return { skip: 'image too large', detail: `${bytes.length} bytes` };
    if (bytes.length > 0) return { bytes };
  }
  // The Image feature without embedded bytes refers to a file beside the Parquet file.
  return pathImage(pathValue ?? null) ?? { skip: 'no image' };
}

/** The rows of one row group, in batches. `onProgress` is called after each page (the watchdog's sign of life). */
export async function* parquetRowBatches(
  file: ParquetFile,
  group: RowGroupInfo,
  choice: ColumnChoice,
  limits: ParquetLimits,
  onProgress: () => void,
): AsyncGenerator<{ batch: RowBatch; transfer: ArrayBuffer[] }> {
  const leaves = leavesOf(file.schema, choice);
  const budget = new RowGroupBudget(limits.maxRowGroupBytes);
  const whole = new Map<LeafToRead['role'], LeafValue[]>();
  let current: LeafToRead | undefined;
  try {
    file.checkRowGroup(group, leaves, limits.maxRowGroupBytes);
    for (const leaf of leaves) {
      if (leaf.role === 'image-bytes') continue;
      current = leaf;
      whole.set(leaf.role, await readWholeLeaf(file, group, leaf, budget, onProgress));
    }
    const captions = whole.get('caption');
    const paths = whole.get('image-path');
    const packer = new BatchPacker();
    const row = (i: number, bytes: LeafValue | undefined): DecodedRow => {
      const caption: CaptionValue = captions ? captionFromBytes(captions[i] ?? null) : { text: null };
      return { image: imageOf(bytes, paths?.[i], limits.maxImageBytes), caption };
    };
    const streamed = leaves.find((l) => l.role === 'image-bytes');
    if (streamed) {
      current = streamed;
      let i = 0;
      for await (const page of readChunkPages(file.bytes, file.chunkOf(group, streamed), budget, onProgress)) {
        for (const bytes of page) {
          packer.add(row(i++, bytes));
          if (packer.full) yield packer.take();
        }
      }
    } else {
      for (let i = 0; i < group.rows; i++) {
        packer.add(row(i, undefined));
        if (packer.full) yield packer.take();
      }
    }
    if (!packer.isEmpty) yield packer.take();
  } catch (err) {
    throw toImportError(err, `${file.source.name} row group ${group.index}${current ? `, column ${current.path.join('.')}` : ''}`);
  }
}

/** The rows of `groups`, one after another, each batch saying its row group: one stream for a file. */
export async function* parquetRowGroupsBatches(
  file: ParquetFile,
  groups: readonly RowGroupInfo[],
  choice: ColumnChoice,
  limits: ParquetLimits,
  onProgress: () => void,
): AsyncGenerator<{ batch: RowBatch; transfer: ArrayBuffer[] }> {
  for (const group of groups) {
    for await (const { batch, transfer } of parquetRowBatches(file, group, choice, limits, onProgress)) yield { batch: { ...batch, group: group.index }, transfer };
  }
}

// One leaf column of one row group read page by page, in place of hyparquet's page loop (whose counts,
// run lengths and header fields come from the file unchecked). Each page's header is read with every
// required field, its counts are checked against what the column chunk has left before anything is
// allocated, its inflated bytes are counted against the row group's budget before they exist, and the
// loop always moves forward: a page cannot say it is 0 or NaN bytes long.
import { MAX_PAGE_HEADER_BYTES } from './import-limits.js';
import { inflatePage } from './page-inflate.js';
import { decodeDataPageV1, decodeDataPageV2, dictionaryValues, type LeafValue } from './parquet-data-page.js';
import { EndsEarlyError, ParquetFormatError, count } from './parquet-format-error.js';
import { readPageHeader, type PageHeader } from './parquet-page-header.js';

/** Reads of a file: exactly [offset, offset + length), or an error. */
export interface ByteSource {
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ChunkToRead {
  codec: string;
  /** The column chunk's bytes in the file (checked to be inside it). */
  start: number;
  end: number;
  /** Values in the chunk: its row group's rows (a leaf that repeats nothing has one per row). */
  numValues: number;
  maxDefinitionLevel: number;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** The bytes a row group may inflate to, counted as pages are inflated (whatever the footer said). */
export class RowGroupBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number, what: string): void {
    if (this.used + bytes > this.limit) {
      throw new ParquetFormatError(`${what} (${count(bytes)} bytes) would take the row group past the ${mb(this.limit)} an import reads of one; rewrite the file with smaller row groups`, 'too-large');
    }
    this.used += bytes;
  }
}

const FIRST_HEADER_READ = 64 << 10;

async function readHeader(source: ByteSource, offset: number, end: number): Promise<{ header: PageHeader; window: Uint8Array }> {
  const most = Math.min(MAX_PAGE_HEADER_BYTES, end - offset);
  for (let size = Math.min(FIRST_HEADER_READ, most); ; size = Math.min(size * 8, most)) {
    const window = await source.read(offset, size);
    try {
      return { header: readPageHeader(window, 0), window };
    } catch (err) {
      if (!(err instanceof EndsEarlyError) || size >= most) {
        if (err instanceof EndsEarlyError) {
          throw new ParquetFormatError(most < MAX_PAGE_HEADER_BYTES ? 'its page header runs past the end of its column chunk' : `its page header is longer than ${mb(MAX_PAGE_HEADER_BYTES)}`);
        }
        throw err;
      }
    }
  }
}

/**
 * The chunk's data pages, each decoded into one value per entry (null where absent). `onPage` is told
 * after each page (a sign of progress for the worker's watchdog).
 */
export async function* readChunkPages(source: ByteSource, chunk: ChunkToRead, budget: RowGroupBudget, onPage?: () => void): AsyncGenerator<LeafValue[]> {
  let offset = chunk.start;
  let seen = 0;
  let dictionary: Uint8Array[] | null = null;
  let dataPages = 0;
  for (let page = 0; seen < chunk.numValues; page++) {
    if (offset >= chunk.end) throw new ParquetFormatError(`its column chunk ends after ${count(seen)} of its ${count(chunk.numValues)} values`);
    let values: LeafValue[] | null = null;
    try {
      const { header, window } = await readHeader(source, offset, chunk.end);
      offset += header.headerBytes;
      if (header.compressedSize > chunk.end - offset) throw new ParquetFormatError(`it says it takes ${count(header.compressedSize)} bytes, more than are left in its column chunk`);
      const stored = header.headerBytes + header.compressedSize <= window.length ? window.subarray(header.headerBytes, header.headerBytes + header.compressedSize) : await source.read(offset, header.compressedSize);
      offset += header.compressedSize;
      const left = chunk.numValues - seen;
      const charge = (bytes: number) => budget.take(bytes, 'its values');
      if (header.dictionaryPage) {
        if (dictionary !== null || dataPages > 0) throw new ParquetFormatError('it is a second dictionary, or a dictionary after data pages');
        budget.take(header.uncompressedSize, 'its dictionary');
        dictionary = dictionaryValues(inflatePage(chunk.codec, stored, header.uncompressedSize), header.dictionaryPage.numValues, header.dictionaryPage.encoding);
      } else if (header.dataPage) {
        const n = header.dataPage.numValues;
        if (n > left) throw new ParquetFormatError(`it says it holds ${count(n)} values, where its column chunk has ${count(left)} left of ${count(chunk.numValues)}`);
        budget.take(header.uncompressedSize, 'it');
        values = decodeDataPageV1(inflatePage(chunk.codec, stored, header.uncompressedSize), header.dataPage, chunk.maxDefinitionLevel, dictionary, charge);
      } else if (header.dataPageV2) {
        const v2 = header.dataPageV2;
        if (v2.numValues > left) throw new ParquetFormatError(`it says it holds ${count(v2.numValues)} values, where its column chunk has ${count(left)} left of ${count(chunk.numValues)}`);
        if (v2.numRows !== v2.numValues || v2.numNulls > v2.numValues) throw new ParquetFormatError(`its v2 header says ${count(v2.numValues)} values, ${count(v2.numRows)} rows and ${count(v2.numNulls)} nulls, which cannot all be true of this column`);
        const levelBytes = v2.definitionLevelsByteLength + v2.repetitionLevelsByteLength;
        if (levelBytes > header.compressedSize || levelBytes > header.uncompressedSize) throw new ParquetFormatError(`its levels say they take ${count(levelBytes)} bytes, more than the page has`);
        const valueBytes = header.uncompressedSize - levelBytes;
        budget.take(valueBytes, 'it');
        const storedValues = stored.subarray(levelBytes);
        if (!v2.isCompressed && storedValues.length !== valueBytes) throw new ParquetFormatError(`its values are stored uncompressed in ${count(storedValues.length)} bytes but its header says ${count(valueBytes)}`);
        const inflated = v2.isCompressed ? inflatePage(chunk.codec, storedValues, valueBytes) : storedValues;
        values = decodeDataPageV2(stored.subarray(v2.repetitionLevelsByteLength, levelBytes), inflated, v2, chunk.maxDefinitionLevel, dictionary, charge);
      }
      // An index page (or a kind to come) holds no values: stepped over.
    } catch (err) {
      if (err instanceof ParquetFormatError) throw new ParquetFormatError(`page ${page}: ${err.message}`, err.kind);
      throw err;
    }
    onPage?.();
    if (values !== null) {
      dataPages++;
      seen += values.length;
      if (values.length > 0) yield values;
    }
  }
}

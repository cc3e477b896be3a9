// A manifest file read once, front to back, a block of records at a time and at the reader's pace: for a
// pass that needs every record once and no index (the CLI's export), each line is parsed once and nothing is
// kept. Records come in file order, which is manifest order only in a sorted file: a file that is not stops
// the pass (ManifestOrderError), for the caller to index it instead. The bytes are hashed on another thread, and
// the pass tells whether they are what a save would write (sorted, one line end throughout, no blank lines,
// a line end at the end); then their sha256 is the manifest's as saved, as ManifestStore.sha256() gives it.
import type { ManifestRecord } from '../../shared/record.js';
import { HashThread } from './hash-thread.js';
import { ManifestChangedError, type FileLineSource } from './line-source.js';
import { CountingParser } from './counting-parser.js';
import { LineSplitter } from './line-splitter.js';
import type { ManifestProblem } from './manifest-codec.js';
import { RecordOrder } from './record-order.js';

/**
 * Bytes read at a time: each block's records are handed over and done with before the next is read, so
 * they die young (a block of megabytes of records outlives the young generation and costs a major GC).
 */
export const BLOCK_BYTES = 256 << 10;

/** sha256 of no bytes. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The file is not in name order: it cannot be streamed as the manifest, only indexed (which sorts it). */
export class ManifestOrderError extends Error {
  override name = 'ManifestOrderError';
}

/** What a finished pass knows about the whole file. */
export interface StreamedManifest {
  /** Lines that are not records (a later line of a name included), in file order. */
  problems: ManifestProblem[];
  /** sha256 of the manifest as a save would write it; null when the file's bytes are not that (index it to know). */
  savedSha256: string | null;
}

/** What a pass over a whole file counted, to tell whether its bytes are what a save would write. */
export interface PassCounts {
  lines: number;
  crlf: number;
  records: number;
  /** Every problem line, sorted by line. */
  problems: ManifestProblem[];
  size: number;
  /** The file's last byte (-1: none). */
  lastByte: number;
  sha256: string;
}

/** The pass's findings: its sha256 is the manifest's as saved when every line is a record or a problem (no blank ones), one line end throughout and one after the last line. */
export function streamedManifest(counts: PassCounts): StreamedManifest {
  const { lines, crlf, records, problems, size, lastByte } = counts;
  const asSaved = lines === records + problems.length && (crlf === 0 || crlf === lines) && (size === 0 || lastByte === 10);
  return { problems, savedSha256: asSaved ? counts.sha256 : null };
}

/** The records a file of `size` bytes holds, as `records` found in its first `bytesRead` bytes scaled to the rest: exact once it is read, 0 before. */
export function scaledRecords(records: number, bytesRead: number, size: number): number {
  return bytesRead === 0 ? 0 : bytesRead >= size ? records : Math.round((records * size) / bytesRead);
}

/** A pass over a manifest file's records, on this thread or parsed by others: what both keep and tell alike. */
export abstract class RecordStream {
  /** Records handed over so far. */
  records = 0;
  /**
   * The records the file holds, estimated from its first block once that is read (0 before): fixed, so what
   * a pass decides from it does not depend on how far it had read when it asked.
   */
  expectedRecords = 0;
  /** Bytes of the file the records handed over so far come from. */
  protected bytesRead = 0;
  protected finished: StreamedManifest | null = null;

  constructor(protected readonly source: FileLineSource) {}

  /** The file's size when it was opened: what the pass reads. */
  get bytes(): number {
    return this.source.stamp.size;
  }

  /** The records the file holds, as the records so far scaled by the bytes still to read: exact once it is read, 0 before. */
  get estimatedRecords(): number {
    return scaledRecords(this.records, this.bytesRead, this.bytes);
  }

  /** What the pass found; only once `batches()` has run to its end. */
  end(): StreamedManifest {
    if (!this.finished) throw new Error(`${this.source.file} has not been read to its end`);
    return this.finished;
  }

  /** The records in file order, a batch at a time (ManifestOrderError, ManifestChangedError). */
  abstract batches(): AsyncIterable<ManifestRecord[]>;

  /** Closes the file once nothing reads it any more. */
  abstract close(): void;
}

export class ManifestRecordStream extends RecordStream {
  private readonly parser: CountingParser;
  private readonly splitter: LineSplitter;
  /** The file's bytes hashed on another thread while this one parses them. */
  private readonly hash: HashThread | null;
  private batch: ManifestRecord[] = [];
  private readonly order = new RecordOrder();
  private lastByte = -1;
  /** The read of the next block, while there is one. */
  private inFlight: Promise<number> | null = null;

  constructor(source: FileLineSource) {
    super(source);
    this.parser = new CountingParser((record) => this.take(record), false);
    this.splitter = new LineSplitter(this.parser);
    this.hash = source.stamp.size > 0 ? new HashThread(Math.min(BLOCK_BYTES, source.stamp.size)) : null;
  }

  private take(record: ManifestRecord): void {
    if (!this.order.admit(record.file_name, this.parser.lines, this.splitter.span)) return;
    this.batch.push(record);
    this.records++;
  }

  private handOver(): ManifestRecord[] {
    if (this.order.outOfOrder !== null) throw new ManifestOrderError(`${this.source.file} is not sorted by file name (${this.order.outOfOrder})`);
    const batch = this.batch;
    this.batch = [];
    return batch;
  }

  /**
   * The records in file order, a block's worth at a time; the next block is read when the next batch is
   * asked for. Throws ManifestOrderError for a file out of name order and ManifestChangedError for one
   * that changed on disk while it was read.
   */
  override async *batches(): AsyncGenerator<ManifestRecord[]> {
    const size = this.bytes;
    const hash = this.hash;
    // The next block is read while the records of this one are handed over, into the hashing thread's
    // slots in turn (it hashes them from the same memory). An empty file has no thread and reads nothing.
    const blocks = hash?.slots ?? [];
    const read = async (k: number, position: number) => {
      // The slot's last block must be hashed before the slot is filled again.
      const free = hash?.slotFree();
      if (free) await free;
      const block = blocks[k % blocks.length]!;
      return this.source.readAsync(block.subarray(0, Math.min(block.length, size - position)), position);
    };
    let reading = size > 0 ? read(0, 0) : null;
    for (let k = 0; reading !== null; k++) {
      const n = await reading;
      if (n === 0) throw new ManifestChangedError(`${this.source.file} got shorter while it was read`);
      const bytes = blocks[k % blocks.length]!.subarray(0, n);
      this.bytesRead += n;
      hash?.handOver(n);
      reading = this.bytesRead < size ? read(k + 1, this.bytesRead) : null;
      // Awaited above on the next turn; a pass given up leaves it to close().
      this.inFlight = reading?.catch(() => 0) ?? null;
      this.splitter.add(bytes);
      this.lastByte = bytes[n - 1]!;
      if (k === 0) this.expectedRecords = this.estimatedRecords;
      const batch = this.handOver();
      if (batch.length > 0) yield batch;
    }
    this.splitter.finish();
    const last = this.handOver();
    if (last.length > 0) yield last;
    hash?.finish();
    const sha256 = hash ? await hash.digest : EMPTY_SHA256;
    this.source.check();
    const problems = [...this.parser.finish().problems, ...this.order.laterLines].sort((a, b) => a.line - b.line);
    this.finished = streamedManifest({ lines: this.parser.lines, crlf: this.parser.crlf, records: this.records, problems, size, lastByte: this.lastByte, sha256 });
  }

  /**
   * Closes the file once nothing reads it any more (the hashing thread stopped, the next block's read
   * done): its descriptor number must not be reused under a read still going.
   */
  override close(): void {
    const readers = [this.hash?.stop(), this.inFlight];
    void Promise.allSettled(readers).then(() => this.source.close());
  }
}

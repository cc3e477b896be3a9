// A dataset's manifest file, read once as it streams by instead of indexed (the CLI's export). A large file
// is parsed by worker threads, range by range (parallel-record-stream.ts), where there are cores for them;
// a small one, or one on a single core, on this thread (manifest-record-stream.ts). Both hand over the same
// records in the same order and find the same problems.
import * as os from 'node:os';
import * as path from 'node:path';
import { MANIFEST_NAME } from '../../shared/record.js';
import { FileLineSource } from './line-source.js';
import { ManifestRecordStream, type RecordStream } from './manifest-record-stream.js';
import { ParallelRecordStream } from './parallel-record-stream.js';

/** Below this size a file is parsed on the pass's own thread: threads would cost more than they save. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/** Parsing threads at most: past a few, the pass's own work per record sets the pace. */
export const MAX_PARSE_THREADS = 4;

/**
 * Parsing threads by default: the cores the pass's own thread leaves. On two cores none: the threads and
 * the packing of their records add CPU time (measured on the bench's 1M export: 17.5 CPU s against 14),
 * which two busy cores pay in full, for no time saved.
 */
export function defaultParseThreads(): number {
  return Math.min(MAX_PARSE_THREADS, os.availableParallelism() - 1);
}

export interface ManifestFileOptions {
  /** Parsing threads (default: defaultParseThreads()); fewer than 2: the pass's own thread parses. */
  threads?: number;
  /** The size from which a file is parsed by threads. */
  parallelFromBytes?: number;
  /** Bytes per range a thread parses (tests). */
  rangeBytes?: number;
}

export class ManifestFile {
  constructor(
    readonly folder: string,
    readonly fileName: string = MANIFEST_NAME,
    private readonly options: ManifestFileOptions = {},
  ) {}

  get manifestPath(): string {
    return path.join(this.folder, this.fileName);
  }

  /** Opens the file for one pass; null when there is no manifest yet. */
  open(): RecordStream | null {
    let source: FileLineSource;
    try {
      source = FileLineSource.open(this.manifestPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const { threads = defaultParseThreads(), parallelFromBytes = PARALLEL_MIN_BYTES, rangeBytes } = this.options;
    if (threads >= 2 && source.stamp.size >= parallelFromBytes) return new ParallelRecordStream(source, { threads, rangeBytes });
    return new ManifestRecordStream(source);
  }
}

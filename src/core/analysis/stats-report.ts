// What `recaption stats` reports, in one pass over a manifest file: the counts, the records with each
// defect flag (unless left out), and the audit estimate. Shared by the CLI and the bench that measures it.
// The file is cut into ranges at line starts, read side by side by one thread per core (stats-pass.ts),
// and their parts joined in file order (stats-fold.ts): the same report as reading it line by line.
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { lineAlignedRanges } from '../dataset/line-ranges.js';
import { foldStats, type CountsReport, type StatsReport } from './stats-fold.js';
import { statsPass, type StatsPart, type StatsProblem } from './stats-pass.js';
import { statsPartsInThreads } from './stats-threads.js';

export type { StatsProblem } from './stats-pass.js';
export type { CountsReport, StatsReport } from './stats-fold.js';

export interface StatsReportOptions {
  /** Count the defect flags (the default); false leaves them out of the report, and their cost out of the pass. */
  flags?: boolean;
  /** Threads to read with (default: one per core, up to MAX_THREADS); 1 reads in this thread. */
  threads?: number;
  /** The smallest range a thread is given (tests cut small files into many ranges). */
  minRangeBytes?: number;
}

/** Threads at most, whatever the cores: each holds a heap of its own (about 80 MB while it parses). */
const MAX_THREADS = 8;
/** Ranges per thread: a thread slowed by other work takes fewer of them. */
const RANGES_PER_THREAD = 16;
/** A file under two of these is read in this thread: starting threads would cost more than they save. */
const MIN_RANGE_BYTES = 8 << 20;

async function partsOf(file: string, flags: boolean, threads: number, minRangeBytes: number): Promise<StatsPart[]> {
  const handle = await fs.open(file, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
    if (threads > 1 && size >= 2 * minRangeBytes) {
      const count = Math.min(threads * RANGES_PER_THREAD, Math.floor(size / minRangeBytes));
      const ranges = await lineAlignedRanges(handle, size, count);
      if (ranges.length > 1) return await statsPartsInThreads(file, ranges, flags, threads);
    }
  } finally {
    await handle.close();
  }
  return [await statsPass(file, { start: 0, end: size }, flags)];
}

/**
 * Reads `file` (throws ENOENT when there is none); memory is a few columns of small numbers per record,
 * not the records. The bad lines come in line order.
 */
export async function streamStatsReport(file: string, options?: StatsReportOptions & { flags?: true }): Promise<{ report: StatsReport; problems: readonly StatsProblem[] }>;
export async function streamStatsReport(file: string, options: StatsReportOptions & { flags: false }): Promise<{ report: CountsReport; problems: readonly StatsProblem[] }>;
export async function streamStatsReport(file: string, options: StatsReportOptions): Promise<{ report: CountsReport | StatsReport; problems: readonly StatsProblem[] }>;
export async function streamStatsReport(file: string, options: StatsReportOptions = {}): Promise<{ report: CountsReport | StatsReport; problems: readonly StatsProblem[] }> {
  const flags = options.flags ?? true;
  const parts = await partsOf(file, flags, options.threads ?? Math.min(MAX_THREADS, availableParallelism()), options.minRangeBytes ?? MIN_RANGE_BYTES);
  return foldStats(file, parts, flags);
}

// Joins the parts of a `recaption stats` pass (stats-pass.ts), in file order, into the report: a name that
// an earlier line already has is a duplicate line (the first line wins, as a manifest is read), then the
// rows left are counted. Only names whose hashes meet are read back from the file, to be compared in full.
import { promises as fs } from 'node:fs';
import type { DefectFlag } from '../../shared/defect-flags.js';
import { clearRow, summaryOf } from '../dataset/defect-counter.js';
import { ManifestLineParser } from '../dataset/manifest-codec.js';
import { FACTS_VALUES } from '../dataset/record-facts.js';
import { StatsCounter, type DatasetStats } from '../dataset/stats.js';
import { AuditTally, type AuditStats } from './audit.js';
import type { StatsPart, StatsProblem } from './stats-pass.js';

/** The report without the defect flags (`stats --no-flags`). */
export interface CountsReport extends DatasetStats {
  audit: AuditStats;
}

/** The report with the defect flags (the default). */
export interface StatsReport extends CountsReport {
  /** Records with at least one defect flag. */
  flagged: number;
  flags: Record<DefectFlag, number>;
}

interface Bases {
  rowBase: number[];
  lineBase: number[];
  rows: number;
}

/** Where each part's rows and lines start in the whole file's numbering. */
function bases(parts: readonly StatsPart[]): Bases {
  const rowBase: number[] = [];
  const lineBase: number[] = [];
  let rows = 0;
  let lines = 0;
  for (const part of parts) {
    rowBase.push(rows);
    lineBase.push(lines);
    rows += part.rows;
    lines += part.lines;
  }
  return { rowBase, lineBase, rows };
}

/** Buckets of name hashes by their top byte: each bucket's table is small enough to stay in cache. */
const BUCKETS = 256;
const BUCKET_OF = 2 ** 45;

/** The name hashes that more than one row has. */
function sharedHashes(parts: readonly StatsPart[], rows: number): Set<number> {
  const starts = new Int32Array(BUCKETS + 1);
  for (const part of parts) for (let r = 0; r < part.rows; r++) starts[1 + Math.floor(part.nameHash[r]! / BUCKET_OF)]!++;
  for (let b = 0; b < BUCKETS; b++) starts[b + 1]! += starts[b]!;
  const byBucket = new Float64Array(rows);
  const next = starts.slice(0, BUCKETS);
  for (const part of parts) {
    for (let r = 0; r < part.rows; r++) {
      const hash = part.nameHash[r]!;
      byBucket[next[Math.floor(hash / BUCKET_OF)]!++] = hash;
    }
  }
  const shared = new Set<number>();
  let table = new Float64Array(1024);
  for (let b = 0; b < BUCKETS; b++) {
    let size = 1024;
    while (size < (starts[b + 1]! - starts[b]!) * 2) size *= 2;
    if (table.length < size) table = new Float64Array(size);
    // NaN marks an empty slot: a hash is never NaN. The low 32 bits place a hash (the bucket has its top).
    table.fill(NaN, 0, size);
    const mask = size - 1;
    for (let i = starts[b]!; i < starts[b + 1]!; i++) {
      const hash = byBucket[i]!;
      let slot = (hash >>> 0) & mask;
      while (table[slot] === table[slot] && table[slot] !== hash) slot = (slot + 1) & mask;
      if (table[slot] === hash) shared.add(hash);
      else table[slot] = hash;
    }
  }
  return shared;
}

/** Rows (whole-file numbering) that share their name hash with another, grouped by hash, in file order. */
function sameHashGroups(parts: readonly StatsPart[], rows: number): number[][] {
  const shared = sharedHashes(parts, rows);
  if (shared.size === 0) return [];
  const groups = new Map<number, number[]>();
  let row = 0;
  for (const part of parts) {
    for (let r = 0; r < part.rows; r++, row++) {
      const hash = part.nameHash[r]!;
      if (!shared.has(hash)) continue;
      const group = groups.get(hash);
      if (group) group.push(row);
      else groups.set(hash, [row]);
    }
  }
  return [...groups.values()];
}

/** The part and row of whole-file row `row`. */
function locate(rowBase: readonly number[], row: number): [number, number] {
  let p = rowBase.length - 1;
  while (rowBase[p]! > row) p--;
  return [p, row - rowBase[p]!];
}

/**
 * The duplicate lines among the parts' rows: each row after the first with its name, and its problem. Rows
 * whose hashes meet are read back from `file` and their names compared, so a shared hash is never a duplicate.
 */
async function findDuplicates(file: string, parts: readonly StatsPart[], { rowBase, lineBase, rows }: Bases): Promise<{ dropped: Set<number>; problems: StatsProblem[] }> {
  const groups = sameHashGroups(parts, rows);
  const dropped = new Set<number>();
  const problems: StatsProblem[] = [];
  if (groups.length === 0) return { dropped, problems };
  const handle = await fs.open(file, 'r');
  try {
    for (const group of groups) {
      const seen = new Set<string>();
      for (const row of group) {
        const [p, r] = locate(rowBase, row);
        const part = parts[p]!;
        const span = { offset: part.offset[r]!, length: part.length[r]! };
        const bytes = Buffer.allocUnsafe(span.length);
        await handle.read(bytes, 0, span.length, span.offset);
        // The line read as a good record before: its file_name is a string.
        const name = (JSON.parse(bytes.toString('utf8')) as { file_name: string }).file_name;
        if (!seen.has(name)) {
          seen.add(name);
          continue;
        }
        dropped.add(row);
        problems.push({ line: lineBase[p]! + part.line[r]!, message: ManifestLineParser.duplicateMessage(name), span });
      }
    }
  } finally {
    await handle.close();
  }
  return { dropped, problems };
}

/** The report of `file` from its parts (in file order), and its bad lines in line order. */
export async function foldStats(file: string, parts: readonly StatsPart[], flags: boolean): Promise<{ report: CountsReport | StatsReport; problems: StatsProblem[] }> {
  const { rowBase, lineBase, rows } = bases(parts);
  const { dropped, problems } = await findDuplicates(file, parts, { rowBase, lineBase, rows });
  for (const [p, part] of parts.entries()) for (const problem of part.problems) problems.push({ ...problem, line: lineBase[p]! + problem.line });
  problems.sort((a, b) => a.line - b.line);

  // Counted by facts value: a million records have a few hundred distinct ones at most.
  const times = new Float64Array(FACTS_VALUES);
  for (const [p, part] of parts.entries()) {
    for (let r = 0; r < part.rows; r++) if (dropped.size === 0 || !dropped.has(rowBase[p]! + r)) times[part.facts[r]!]!++;
  }
  const counter = new StatsCounter();
  const audit = new AuditTally();
  for (let facts = 0; facts < FACTS_VALUES; facts++) {
    if (times[facts] === 0) continue;
    counter.addFacts(facts, times[facts]);
    audit.addFacts(facts, times[facts]);
  }
  const counts = counter.result(problems.length);
  if (!flags) return { report: { ...counts, audit: audit.result() }, problems };
  const defects = parts.map((p) => p.defects!);
  for (const row of dropped) {
    const [p, r] = locate(rowBase, row);
    clearRow(defects[p]!, r);
  }
  const summary = summaryOf(defects);
  return { report: { ...counts, flagged: summary.flagged, flags: summary.counts, audit: audit.result() }, problems };
}

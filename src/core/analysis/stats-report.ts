// What `recaption stats` reports, in one streamed pass over a manifest file: the counts, the records with
// each defect flag, and the audit estimate. Shared by the CLI and the bench that measures it.
import { streamManifestFile } from '../dataset/manifest-stream.js';
import { StatsCounter, type DatasetStats } from '../dataset/stats.js';
import type { ManifestProblem } from '../dataset/manifest-codec.js';
import type { DefectFlag } from '../../shared/defect-flags.js';
import { AuditTally, type AuditStats } from './audit.js';
import { DefectCounter } from '../dataset/defect-counter.js';

export interface StatsReport extends DatasetStats {
  /** Records with at least one defect flag. */
  flagged: number;
  flags: Record<DefectFlag, number>;
  audit: AuditStats;
}

/** Streams `file` (throws ENOENT when there is none); memory is the flag columns, not the records. */
export async function streamStatsReport(file: string): Promise<{ report: StatsReport; problems: readonly ManifestProblem[] }> {
  const counter = new StatsCounter();
  const defects = new DefectCounter();
  const audit = new AuditTally();
  const { problems } = await streamManifestFile(file, (r) => {
    counter.add(r);
    audit.add(r);
    if (!r.missing) defects.add(r);
  });
  const summary = defects.summary();
  return { report: { ...counter.result(problems.length), flagged: summary.flagged, flags: summary.counts, audit: audit.result() }, problems };
}

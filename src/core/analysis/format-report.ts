// The habit report as plain text for a terminal: a side-by-side table, text histograms, then the flags.
import type { HabitReport, PhraseCount, SourceReport, TextSource } from './habit-report.js';
import { TEXT_SOURCES } from './habit-report.js';
import { describeAudit } from './audit.js';
import { habitRows, habitVerdict } from './habit-table.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../../shared/defect-flags.js';

const TITLES: Record<TextSource, string> = { alt: 'alt-text', ssc: 'SSC', dsc: 'DSC' };
/** Width of a source's column: the widest cell is a score pair, "0.123 / 0.456". */
const COL = 16;

const pct = (x: number, n: number) => (n === 0 ? '-' : `${(x * 100).toFixed(1)}%`);

/** The side-by-side table: a header of the sources, then a line per measure, the labels padded to the longest. */
function table(report: HabitReport): string[] {
  const rows = habitRows(report);
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  return [
    ''.padEnd(width) + TEXT_SOURCES.map((s) => TITLES[s].padStart(COL)).join(''),
    ...rows.map((r) => r.label.padEnd(width) + TEXT_SOURCES.map((s) => r.cells[s].padStart(COL)).join('')),
  ];
}

function phrases(title: string, list: (s: SourceReport) => PhraseCount[], report: HabitReport, limit = 5): string[] {
  const lines = [title];
  for (const source of TEXT_SOURCES) {
    const items = list(report.sources[source]).slice(0, limit);
    if (items.length === 0) continue;
    lines.push(`  ${TITLES[source]}: ${items.map((p) => `"${p.phrase}" ${pct(p.share, 1)}`).join(', ')}`);
  }
  return lines;
}

export function formatHabitReport(report: HabitReport): string {
  const widest = Math.max(1, ...TEXT_SOURCES.flatMap((s) => report.sources[s].histogram));
  const bar = (n: number) => '#'.repeat(Math.ceil((n / widest) * 20));
  const lines: string[] = [
    `Caption habits over ${report.records} images`,
    '',
    ...table(report),
    '',
    'length in words (histogram)',
  ];
  report.bins.forEach((bin, i) => {
    const cells = TEXT_SOURCES.map((s) => {
      const n = report.sources[s].histogram[i] ?? 0;
      return `${String(n).padStart(6)} ${bar(n).padEnd(20)}`;
    });
    const label = bin.to - bin.from === 1 ? `${bin.from}` : `${bin.from}-${bin.to - 1}`;
    lines.push(`  ${label.padStart(9)} ${cells.join(' ')}`);
  });
  lines.push(`  ${''.padStart(9)} ${TEXT_SOURCES.map((s) => TITLES[s].padStart(6).padEnd(27)).join(' ')}`, '');
  lines.push(...phrases('most common openings', (s) => s.openings, report));
  lines.push(...phrases('most common closings', (s) => s.closings, report));
  const loopLines = TEXT_SOURCES.flatMap((s) =>
    (report.sources[s].loops.examples ?? []).slice(0, 3).map((e) => `  ${TITLES[s]}: ${e.fileName}: "${e.ngram}" x${e.times}`),
  );
  if (loopLines.length) lines.push('loops, for example', ...loopLines);
  lines.push('', ...defectLines(report), '', ...describeAudit(report.audit), '');
  lines.push(...report.notes.map((n) => `note: ${n}`));
  const verdict = habitVerdict(report);
  if (report.flags.length > 0) lines.push('habits a text-to-image model would learn:', ...report.flags.map((f) => `  ! ${f.message}`));
  else if (verdict) lines.push(verdict);
  return lines.map((l) => l.trimEnd()).join('\n');
}

function defectLines(report: HabitReport): string[] {
  const { counts, flagged } = report.defects;
  const present = DEFECT_FLAGS.filter((f) => counts[f] > 0);
  if (present.length === 0) return ['defect flags: none'];
  return [`defect flags: ${flagged} images flagged`, ...present.map((f) => `  ${DEFECT_FLAG_LABELS[f]}: ${counts[f]}`)];
}

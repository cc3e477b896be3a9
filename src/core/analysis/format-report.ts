// The habit report as plain text for a terminal: a side-by-side table, text histograms, then the flags.
import type { HabitReport, PhraseCount, SourceReport, TextSource } from './habit-report.js';
import { TEXT_SOURCES } from './habit-report.js';
import { describeAudit } from './audit.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../../shared/defect-flags.js';

const TITLES: Record<TextSource, string> = { alt: 'alt-text', ssc: 'SSC', dsc: 'DSC' };
const COL = 12;

const pct = (x: number, n: number) => (n === 0 ? '-' : `${(x * 100).toFixed(1)}%`);
const num = (x: number, n: number) => (n === 0 ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));

function row(label: string, cell: (s: SourceReport) => string, report: HabitReport): string {
  return label.padEnd(26) + TEXT_SOURCES.map((s) => cell(report.sources[s]).padStart(COL)).join('');
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
    ''.padEnd(26) + TEXT_SOURCES.map((s) => TITLES[s].padStart(COL)).join(''),
    row('texts', (s) => String(s.count), report),
    row('words: mean', (s) => num(s.words.mean, s.count), report),
    row('words: median', (s) => num(s.words.median, s.count), report),
    row('words: p10 / p90', (s) => (s.count ? `${s.words.p10} / ${s.words.p90}` : '-'), report),
    row('words: min / max', (s) => (s.count ? `${s.words.min} / ${s.words.max}` : '-'), report),
    row('starts with a/an/the', (s) => pct(s.startsWithArticle, s.count), report),
    row('ends with a period', (s) => pct(s.endsWithPeriod, s.count), report),
    row('capitalised first letter', (s) => pct(s.capitalised, s.count), report),
    row(`loops (${report.options.loopN}-gram x${report.options.loopMinTimes})`, (s) => pct(s.loops.share, s.count), report),
    row('identical to another', (s) => pct(s.duplicates.share, s.count), report),
    ...scoreRows(report),
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
    report.sources[s].loops.examples.slice(0, 3).map((e) => `  ${TITLES[s]}: ${e.fileName}: "${e.ngram}" x${e.times}`),
  );
  if (loopLines.length) lines.push('loops, for example', ...loopLines);
  lines.push('', ...defectLines(report), '', ...describeAudit(report.audit), '');
  lines.push(...report.notes.map((n) => `note: ${n}`));
  const judged = (['ssc', 'dsc'] as const).some((s) => report.sources[s].count >= report.options.minCount);
  if (report.flags.length > 0) lines.push('habits a text-to-image model would learn:', ...report.flags.map((f) => `  ! ${f.message}`));
  else if (judged) lines.push(report.sources.alt.count >= report.options.minCount ? 'no sharp differences from the ground truth' : 'no habit stands out in the synthetic captions');
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** Score rows, where any text is scored: the recipe compares caption types by these. */
function scoreRows(report: HabitReport): string[] {
  if (!TEXT_SOURCES.some((s) => report.sources[s].scores)) return [];
  const cell = (f: (summary: NonNullable<SourceReport['scores']>['summary']) => string) => (s: SourceReport) => (s.scores ? f(s.scores.summary) : '-');
  return [
    row(`score (${report.scoreModels.join(', ')})`.slice(0, 25), () => '', report),
    row('  scored texts', (s) => String(s.scores?.count ?? 0), report),
    row('  mean', cell((m) => m.mean.toFixed(3)), report),
    row('  median', cell((m) => m.median.toFixed(3)), report),
    row('  p10 / p90', cell((m) => `${m.p10.toFixed(2)} / ${m.p90.toFixed(2)}`), report),
  ];
}

function defectLines(report: HabitReport): string[] {
  const { counts, flagged } = report.defects;
  const present = DEFECT_FLAGS.filter((f) => counts[f] > 0);
  if (present.length === 0) return ['defect flags: none'];
  return [`defect flags: ${flagged} images flagged`, ...present.map((f) => `  ${DEFECT_FLAG_LABELS[f]}: ${counts[f]}`)];
}

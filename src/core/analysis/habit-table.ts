// The habit report's side-by-side table and its verdict, as text, defined once: the terminal report
// (format-report.ts), the dataset card (export/card/card-habits.ts) and the Caption Report panel each render
// these rows in their own markup, so the three always show the same measures under the same names.
import { TEXT_SOURCES, type HabitReport, type SourceReport, type TextSource } from './habit-report.js';

/** One measure: its label and its value for each source ('–' for a source without texts). */
export interface HabitRow {
  label: string;
  cells: Record<TextSource, string>;
}

const NONE = '–';
const pct = (x: number, n: number) => (n === 0 ? NONE : `${(x * 100).toFixed(1)}%`);
const num = (x: number, n: number) => (n === 0 ? NONE : Number.isInteger(x) ? String(x) : x.toFixed(1));
const score = (x: number) => x.toFixed(3);

type Cell = (s: SourceReport) => string;

function rowOf(report: HabitReport, label: string, cell: Cell): HabitRow {
  return { label, cells: Object.fromEntries(TEXT_SOURCES.map((s) => [s, cell(report.sources[s])])) as Record<TextSource, string> };
}

/** Whether the report measured a sample of its records in full, not every one. */
export function sampled(report: HabitReport): boolean {
  return report.measuredRecords < report.records;
}

/** The table's rows: lengths, the habits, loops and duplicates, and the scores where any text is scored. */
export function habitRows(report: HabitReport): HabitRow[] {
  const { loopN, loopMinTimes } = report.options;
  // A measure's cells are of the texts measured in full; the counts of texts and of identical ones, of all.
  const rows: [string, Cell][] = [
    ['texts', (s) => String(s.count)],
    ...(sampled(report) ? ([['texts measured (seeded sample)', (s) => String(s.measured)]] as [string, Cell][]) : []),
    ['words: mean', (s) => num(s.words.mean, s.measured)],
    ['words: median', (s) => num(s.words.median, s.measured)],
    ['words: p10 – p90', (s) => (s.measured ? `${s.words.p10} – ${s.words.p90}` : NONE)],
    ['words: min – max', (s) => (s.measured ? `${s.words.min} – ${s.words.max}` : NONE)],
    ['starts with a/an/the', (s) => pct(s.startsWithArticle, s.measured)],
    ['ends with a period', (s) => pct(s.endsWithPeriod, s.measured)],
    ['capitalised first letter', (s) => pct(s.capitalised, s.measured)],
    [`loops (${loopN}-word phrase ×${loopMinTimes})`, (s) => pct(s.loops.share, s.measured)],
    ['identical to another text', (s) => pct(s.duplicates.share, s.count)],
  ];
  if (TEXT_SOURCES.some((s) => report.sources[s].scores)) {
    const scored = (f: (m: NonNullable<SourceReport['scores']>['summary']) => string): Cell => (s) => (s.scores ? f(s.scores.summary) : NONE);
    rows.push(
      [`scored texts (${report.scoreModels.join(', ')})`, (s) => String(s.scores?.count ?? 0)],
      ['score: mean / median', scored((m) => `${score(m.mean)} / ${score(m.median)}`)],
      ['score: p10 – p90', scored((m) => `${score(m.p10)} – ${score(m.p90)}`)],
    );
  }
  return rows.map(([label, cell]) => rowOf(report, label, cell));
}

/**
 * What the report says when it flags no habit: null when it flags some, or when there were too few synthetic
 * captions to judge (its notes say so; "nothing stands out" would be a claim it cannot make).
 */
export function habitVerdict(report: HabitReport): string | null {
  if (report.flags.length > 0) return null;
  const judged = (['ssc', 'dsc'] as const).some((s) => report.sources[s].measured >= report.options.minCount);
  if (!judged) return null;
  return report.sources.alt.measured >= report.options.minCount ? 'No sharp difference from the ground truth stands out.' : 'No habit stands out in the synthetic captions.';
}

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

/** The table's rows: lengths, the habits, loops and duplicates, and the scores where any text is scored. */
export function habitRows(report: HabitReport): HabitRow[] {
  const { loopN, loopMinTimes } = report.options;
  const rows: [string, Cell][] = [
    ['texts', (s) => String(s.count)],
    ['words: mean', (s) => num(s.words.mean, s.count)],
    ['words: median', (s) => num(s.words.median, s.count)],
    ['words: p10 – p90', (s) => (s.count ? `${s.words.p10} – ${s.words.p90}` : NONE)],
    ['words: min – max', (s) => (s.count ? `${s.words.min} – ${s.words.max}` : NONE)],
    ['starts with a/an/the', (s) => pct(s.startsWithArticle, s.count)],
    ['ends with a period', (s) => pct(s.endsWithPeriod, s.count)],
    ['capitalised first letter', (s) => pct(s.capitalised, s.count)],
    [`loops (${loopN}-word phrase ×${loopMinTimes})`, (s) => pct(s.loops.share, s.count)],
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
  const judged = (['ssc', 'dsc'] as const).some((s) => report.sources[s].count >= report.options.minCount);
  if (!judged) return null;
  return report.sources.alt.count >= report.options.minCount ? 'No sharp difference from the ground truth stands out.' : 'No habit stands out in the synthetic captions.';
}

// The card's caption-habit and audit sections: the habit report's side-by-side table, its length plot,
// the most common phrases, the habits it flags and the audit estimate with its interval.
import { describeAudit, type AuditStats } from '../../analysis/audit.js';
import { TEXT_SOURCES, type HabitReport, type PhraseCount, type SourceReport } from '../../analysis/habit-report.js';
import { habitRows, habitVerdict, sampled } from '../../analysis/habit-table.js';
import { SOURCE_TITLES } from '../../analysis/length-plot-svg.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../../../shared/defect-flags.js';
import { clipText, markdownTable, markdownText } from './markdown-text.js';

/** Phrases are shown up to this many characters: a repeated DSC can be a paragraph. */
const PHRASE_CHARS = 120;
const PHRASES_SHOWN = 5;

const pct = (x: number, n: number) => (n === 0 ? '–' : `${(x * 100).toFixed(1)}%`);
const quoted = (text: string) => `“${markdownText(clipText(text, PHRASE_CHARS))}”`;

function metricTable(report: HabitReport): string {
  return markdownTable(
    ['', ...TEXT_SOURCES.map((s) => SOURCE_TITLES[s])],
    // A label may name a score model, which is text from the dataset.
    habitRows(report).map((row) => [markdownText(row.label), ...TEXT_SOURCES.map((s) => row.cells[s])]),
    ['l', 'r', 'r', 'r'],
  );
}

/** `counted`: what the counts are of ("texts", or "texts in the sample"). */
function phraseTable(report: HabitReport, pick: (s: SourceReport) => readonly PhraseCount[], counted: string): string | null {
  const rows = TEXT_SOURCES.flatMap((s) =>
    pick(report.sources[s])
      .slice(0, PHRASES_SHOWN)
      .map((p) => [SOURCE_TITLES[s], quoted(p.phrase), String(p.count), pct(p.share, 1)]),
  );
  return rows.length === 0 ? null : markdownTable(['source', 'phrase', counted, 'share'], rows, ['l', 'l', 'r', 'r']);
}

function flagLines(report: HabitReport): string[] {
  const verdict = habitVerdict(report);
  const lines: string[] = [];
  if (report.flags.length > 0) {
    lines.push('Habits a text-to-image model trained on these captions would learn:', '', ...report.flags.map((f) => `- ${markdownText(f.message)}`));
  } else if (verdict) {
    lines.push(verdict);
  }
  if (report.notes.length > 0) lines.push(...(lines.length > 0 ? [''] : []), ...report.notes.map((n) => `- Note: ${markdownText(n)}.`));
  return lines;
}

function defectLines(report: HabitReport): string[] {
  const present = DEFECT_FLAGS.filter((f) => report.defects.counts[f] > 0);
  const inSample = sampled(report);
  if (present.length === 0) return [inSample ? `No image of the ${report.measuredRecords} measured has a defect flag.` : 'No image has a defect flag.'];
  const flagged = inSample ? `${report.defects.flagged} of the ${report.measuredRecords} images measured have` : `${report.defects.flagged} images have`;
  return [
    `${flagged} at least one defect flag (computed without a model):`,
    '',
    markdownTable(['flag', inSample ? 'images measured' : 'images'], present.map((f) => [DEFECT_FLAG_LABELS[f], String(report.defects.counts[f])]), ['l', 'r']),
  ];
}

/** The 95% margin of a share measured over n texts drawn at random, in points (at its widest, a share of one half). */
function marginPoints(n: number): string {
  return ((1.96 * 0.5 * 100) / Math.sqrt(n)).toFixed(1);
}

/** What the habit section measured: every exported image's texts, or a seeded sample of them. */
function measuredOver(report: HabitReport): string {
  const base = 'The alt-text is the ground truth; SSC and DSC are the synthetic captions.';
  if (!sampled(report)) return `Measured over the ${report.records} exported images' texts, whichever went out. ${base}`;
  const fewest = Math.min(...TEXT_SOURCES.map((s) => report.sources[s]).filter((s) => s.measured > 0).map((s) => s.measured));
  const margin = Number.isFinite(fewest) ? ` A share measured over ${fewest} texts is within ±${marginPoints(fewest)} points of the whole's (95%).` : '';
  return (
    `Measured over a seeded sample of ${report.measuredRecords} of the ${report.records} exported images' texts, whichever went out: ` +
    `lengths, openings, closings, loops and defect flags are of the sample; the counts of texts and of identical texts cover all ${report.records}.${margin} ${base}`
  );
}

/** The habit section; `lengthPlot` is the plot's path in the output, or null when there is no plot. */
export function habitSection(report: HabitReport, lengthPlot: string | null): string[] {
  const lines = [
    '## Caption habits',
    '',
    measuredOver(report),
    '',
    metricTable(report),
    '',
  ];
  if (lengthPlot) lines.push(`![Caption length in words: share of each source's texts per length bin](${lengthPlot})`, '');
  const measuredTexts = sampled(report) ? 'texts in the sample' : 'texts';
  for (const [title, pick, counted] of [
    ['Most common openings (first three words)', (s: SourceReport) => s.openings, measuredTexts],
    ['Most common closings (last three words)', (s: SourceReport) => s.closings, measuredTexts],
    ['Most repeated texts', (s: SourceReport) => s.duplicates.top, 'texts'],
  ] as const) {
    const table = phraseTable(report, pick, counted);
    lines.push(`### ${title}`, '', table ?? 'None.', '');
  }
  lines.push('### What stands out', '', ...flagLines(report), '', '### Defect flags', '', ...defectLines(report), '');
  return lines;
}

export function auditSection(audit: AuditStats | null): string[] {
  const lines = ['## Audit', ''];
  if (audit === null) {
    lines.push('No audit sample was drawn, so there is no estimate of how many unreviewed captions a person would reject.');
  } else {
    lines.push(
      'A seeded random sample of unreviewed images was reviewed; its acceptance rate, with a 95% Wilson interval, estimates the captions nobody reviewed.',
      '',
      ...describeAudit(audit).map((line) => `- ${markdownText(line)}`),
    );
  }
  lines.push('');
  return lines;
}

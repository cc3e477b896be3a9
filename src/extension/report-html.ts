// The Caption Report panel's HTML, built from the report data on the host. No script runs in the panel:
// the charts are SVG computed here, so the CSP allows nothing but one nonce'd stylesheet. Every caption
// fragment is escaped: captions come from datasets and are untrusted text. No vscode import: unit-tested.
import type { HabitReport, PhraseCount, SourceReport, TextSource } from '../core/analysis/index.js';
import { TEXT_SOURCES } from '../core/analysis/index.js';
import { describeAudit } from '../core/analysis/audit.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../shared/defect-flags.js';
import { lengthHistogramSvg as histogramSvg } from '../core/analysis/length-plot-svg.js';

export { histogramSvg };

const TITLES: Record<TextSource, string> = { alt: 'Alt-text', ssc: 'SSC', dsc: 'DSC' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const pct = (x: number, n: number) => (n === 0 ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number, n: number) => (n === 0 ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(1));

function metricRows(report: HabitReport): string {
  const rows: [string, (s: SourceReport) => string][] = [
    ['Texts', (s) => String(s.count)],
    ['Words: mean', (s) => num(s.words.mean, s.count)],
    ['Words: median', (s) => num(s.words.median, s.count)],
    ['Words: p10 – p90', (s) => (s.count ? `${s.words.p10} – ${s.words.p90}` : '–')],
    ['Starts with a / an / the', (s) => pct(s.startsWithArticle, s.count)],
    ['Ends with a period', (s) => pct(s.endsWithPeriod, s.count)],
    ['Capitalised first letter', (s) => pct(s.capitalised, s.count)],
    [`Loops (${report.options.loopN}-word phrase ×${report.options.loopMinTimes})`, (s) => pct(s.loops.share, s.count)],
    ['Identical to another', (s) => pct(s.duplicates.share, s.count)],
  ];
  if (TEXT_SOURCES.some((s) => report.sources[s].scores)) {
    const score = (f: (m: NonNullable<SourceReport['scores']>['summary']) => string) => (s: SourceReport) => (s.scores ? f(s.scores.summary) : '–');
    rows.push(
      [`Scored texts (${report.scoreModels.join(', ')})`, (s) => String(s.scores?.count ?? 0)],
      ['Score: mean / median', score((m) => `${m.mean.toFixed(3)} / ${m.median.toFixed(3)}`)],
      ['Score: p10 – p90', score((m) => `${m.p10.toFixed(3)} – ${m.p90.toFixed(3)}`)],
    );
  }
  return rows
    .map(([label, cell]) => `<tr><th scope="row">${escapeHtml(label)}</th>${TEXT_SOURCES.map((s) => `<td>${escapeHtml(cell(report.sources[s]))}</td>`).join('')}</tr>`)
    .join('\n');
}

function phraseList(items: readonly PhraseCount[]): string {
  if (items.length === 0) return '<span class="muted">none</span>';
  return `<ol>${items.map((p) => `<li><q>${escapeHtml(p.phrase)}</q> <span class="muted">${p.count} · ${pct(p.share, 1)}</span></li>`).join('')}</ol>`;
}

function phraseTable(title: string, pick: (s: SourceReport) => readonly PhraseCount[], report: HabitReport): string {
  return `<h2>${escapeHtml(title)}</h2><div class="columns">${TEXT_SOURCES.map(
    (s) => `<section><h3>${TITLES[s]}</h3>${phraseList(pick(report.sources[s]).slice(0, 5))}</section>`,
  ).join('')}</div>`;
}

export function reportHtml(report: HabitReport, options: { nonce: string; title: string }): string {
  const csp = `default-src 'none'; style-src 'nonce-${options.nonce}'`;
  const judged = (['ssc', 'dsc'] as const).some((s) => report.sources[s].count >= report.options.minCount);
  const notes = report.notes.map((n) => `<p class="muted">Note: ${escapeHtml(n)}.</p>`).join('');
  const flags =
    (report.flags.length
      ? `<ul class="flags">${report.flags.map((f) => `<li>${escapeHtml(f.message)}</li>`).join('')}</ul>`
      : judged
        ? '<p class="muted">No sharp differences from the ground truth.</p>'
        : '') + notes;
  const defectCounts = DEFECT_FLAGS.filter((f) => report.defects.counts[f] > 0);
  const defects = defectCounts.length
    ? `<p>${report.defects.flagged} images flagged.</p><ul>${defectCounts.map((f) => `<li>${escapeHtml(DEFECT_FLAG_LABELS[f])}: ${report.defects.counts[f]}</li>`).join('')}</ul>`
    : '<p class="muted">No image has a defect flag.</p>';
  const audit = describeAudit(report.audit).map((line) => `<p>${escapeHtml(line)}</p>`).join('');
  const loops = TEXT_SOURCES.flatMap((s) =>
    report.sources[s].loops.examples.slice(0, 5).map((e) => `<li>${TITLES[s]}: <code>${escapeHtml(e.fileName)}</code> repeats <q>${escapeHtml(e.ngram)}</q> ×${e.times}</li>`),
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
<style nonce="${options.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; }
h1 { font-size: 1.4em; font-weight: 600; } h2 { font-size: 1.1em; font-weight: 600; margin-top: 1.6em; } h3 { font-size: 1em; margin: 0.4em 0; }
table { border-collapse: collapse; } th, td { padding: 4px 12px; border-bottom: 1px solid var(--vscode-panel-border); text-align: right; }
th[scope="row"] { text-align: left; font-weight: normal; } thead th { font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground); }
.flags li { color: var(--vscode-editorWarning-foreground); margin: 2px 0; }
.columns { display: flex; gap: 24px; flex-wrap: wrap; } .columns section { min-width: 220px; }
.bar.alt { fill: var(--vscode-charts-blue); } .bar.ssc { fill: var(--vscode-charts-orange); } .bar.dsc { fill: var(--vscode-charts-green); }
.swatch.alt { background: var(--vscode-charts-blue); } .swatch.ssc { background: var(--vscode-charts-orange); } .swatch.dsc { background: var(--vscode-charts-green); }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
.grid { stroke: var(--vscode-panel-border); } .axis { fill: var(--vscode-descriptionForeground); font-size: 10px; }
code { font-family: var(--vscode-editor-font-family); }
</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<p class="muted">${report.records} images. Alt-text is the ground truth; SSC and DSC are the synthetic captions.</p>
<h2>Habits a text-to-image model would learn</h2>
${flags}
<h2>Defect flags</h2>
${defects}
<h2>Audit</h2>
${audit}
<h2>Side by side</h2>
<table><thead><tr><th></th>${TEXT_SOURCES.map((s) => `<th scope="col">${TITLES[s]}</th>`).join('')}</tr></thead>
<tbody>
${metricRows(report)}
</tbody></table>
<h2>Length in words</h2>
<p>${TEXT_SOURCES.map((s) => `<span class="swatch ${s}"></span>${TITLES[s]}`).join('')}</p>
${histogramSvg(report)}
${phraseTable('Most common openings (first three words)', (s) => s.openings, report)}
${phraseTable('Most common closings (last three words)', (s) => s.closings, report)}
${phraseTable('Most repeated texts', (s) => s.duplicates.top, report)}
<h2>Loops</h2>
${loops.length ? `<ul>${loops.join('')}</ul>` : '<p class="muted">No caption repeats a phrase.</p>'}
</body>
</html>`;
}

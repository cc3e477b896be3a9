// The Caption Report panel's HTML, built from the report data on the host. No script runs in the panel:
// the charts are SVG computed here, so the CSP allows nothing but one nonce'd stylesheet. Every caption
// fragment is escaped: captions come from datasets and are untrusted text. No vscode import: unit-tested.
import type { HabitReport, PhraseCount, SourceReport } from '../core/analysis/index.js';
import { TEXT_SOURCES } from '../core/analysis/index.js';
import { describeAudit } from '../core/analysis/audit.js';
import { habitRows, habitVerdict } from '../core/analysis/habit-table.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../shared/defect-flags.js';
import { lengthHistogramSvg as histogramSvg, SOURCE_TITLES as TITLES } from '../core/analysis/length-plot-svg.js';
import { escapeHtml, webviewPage } from './webview-page.js';

export { histogramSvg };

const pct = (x: number, n: number) => (n === 0 ? '–' : `${(x * 100).toFixed(1)}%`);

function metricRows(report: HabitReport): string {
  return habitRows(report)
    .map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th>${TEXT_SOURCES.map((s) => `<td>${escapeHtml(row.cells[s])}</td>`).join('')}</tr>`)
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

/** The panel's stylesheet: VS Code's theme colours, so the report reads as part of the editor. */
const STYLE = `body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; }
h1 { font-size: 1.4em; font-weight: 600; } h2 { font-size: 1.1em; font-weight: 600; margin-top: 1.6em; } h3 { font-size: 1em; margin: 0.4em 0; }
table { border-collapse: collapse; } th, td { padding: 4px 12px; border-bottom: 1px solid var(--vscode-panel-border); text-align: right; }
th[scope="row"] { text-align: left; font-weight: normal; } th[scope="row"]::first-letter { text-transform: uppercase; } thead th { font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground); }
.flags li { color: var(--vscode-editorWarning-foreground); margin: 2px 0; }
.columns { display: flex; gap: 24px; flex-wrap: wrap; } .columns section { min-width: 220px; }
.bar.alt { fill: var(--vscode-charts-blue); } .bar.ssc { fill: var(--vscode-charts-orange); } .bar.dsc { fill: var(--vscode-charts-green); }
.swatch.alt { background: var(--vscode-charts-blue); } .swatch.ssc { background: var(--vscode-charts-orange); } .swatch.dsc { background: var(--vscode-charts-green); }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
.grid { stroke: var(--vscode-panel-border); } .axis { fill: var(--vscode-descriptionForeground); font-size: 10px; }
code { font-family: var(--vscode-editor-font-family); }`;

export function reportHtml(report: HabitReport, options: { nonce: string; title: string }): string {
  const verdict = habitVerdict(report);
  const notes = report.notes.map((n) => `<p class="muted">Note: ${escapeHtml(n)}.</p>`).join('');
  const flags =
    (report.flags.length
      ? `<ul class="flags">${report.flags.map((f) => `<li>${escapeHtml(f.message)}</li>`).join('')}</ul>`
      : verdict
        ? `<p class="muted">${escapeHtml(verdict)}</p>`
        : '') + notes;
  const defectCounts = DEFECT_FLAGS.filter((f) => report.defects.counts[f] > 0);
  const defects = defectCounts.length
    ? `<p>${report.defects.flagged} images flagged.</p><ul>${defectCounts.map((f) => `<li>${escapeHtml(DEFECT_FLAG_LABELS[f])}: ${report.defects.counts[f]}</li>`).join('')}</ul>`
    : '<p class="muted">No image has a defect flag.</p>';
  const audit = describeAudit(report.audit).map((line) => `<p>${escapeHtml(line)}</p>`).join('');
  const loops = TEXT_SOURCES.flatMap((s) =>
    (report.sources[s].loops.examples ?? []).slice(0, 5).map((e) => `<li>${TITLES[s]}: <code>${escapeHtml(e.fileName)}</code> repeats <q>${escapeHtml(e.ngram)}</q> ×${e.times}</li>`),
  );
  return webviewPage({
    csp: ["default-src 'none'", `style-src 'nonce-${options.nonce}'`],
    nonce: options.nonce,
    title: options.title,
    style: STYLE,
    body: `<h1>${escapeHtml(options.title)}</h1>
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
${loops.length ? `<ul>${loops.join('')}</ul>` : '<p class="muted">No caption repeats a phrase.</p>'}`,
  });
}

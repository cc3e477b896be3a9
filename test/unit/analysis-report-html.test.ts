// The Caption Report panel's HTML: strict CSP, no script, captions escaped, bars drawn from the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHabitReport } from '../../src/core/analysis/index.js';
import { histogramSvg, reportHtml } from '../../src/extension/report-html.js';
import { escapeHtml } from '../../src/extension/webview-page.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';

function rec(name: string, alt: string, ssc: string, dsc: string): ManifestRecord {
  const c = (text: string) => ({ text, by: 'model' as const, review: null });
  return { ...emptyRecord(name), alt: { text: alt, source: 'sidecar' }, ssc: c(ssc), dsc: c(dsc) };
}

const records = [
  rec('a<b>.png', '<script>alert(1)</script> barn', 'a red barn', 'The image shows a red barn.'),
  rec('x<y>.png', 'sea "blue" & calm', 'a blue sea', 'The image shows a blue sea. The sea is blue. The sea is blue.'),
];

test('the report panel has a strict CSP, runs no script and escapes caption text', () => {
  const html = reportHtml(computeHabitReport(records), { nonce: 'abc123', title: 'Caption Report: <x>' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-abc123'">/);
  assert.ok(!/<script/i.test(html), 'no script element');
  assert.ok(html.includes('script&gt;alert(1)&lt;/script'), 'opening phrase escaped');
  assert.ok(html.includes('<code>x&lt;y&gt;.png</code>'), 'file name in the loop list escaped');
  assert.ok(html.includes('Caption Report: &lt;x&gt;'));
  assert.match(html, /var\(--vscode-charts-blue\)/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('the histogram draws one bar per source per bin, tallest for the largest share', () => {
  const report = computeHabitReport(records);
  const svg = histogramSvg(report);
  const bars = [...svg.matchAll(/<rect class="bar (alt|ssc|dsc)" x="[\d.]+" y="([\d.]+)" width="\d+" height="([\d.]+)">/g)];
  assert.equal(bars.length, report.bins.length * 3);
  // Both SSCs have 3 words: that bar is the full 160 px; an empty bin is 0 px.
  const ssc3 = bars.filter((b) => b[1] === 'ssc')[3]!;
  assert.equal(Number(ssc3[3]), 160);
  assert.equal(Number(bars.filter((b) => b[1] === 'ssc')[0]![3]), 0);
});

test('the panel shows defect flags, the audit, the score rows and why nothing was judged', () => {
  const scored = records.map((r, i) => ({ ...r, score_model: 'tiny-<clip>', dsc: { ...r.dsc!, score: 0.2 + i / 10 } }));
  const html = reportHtml(computeHabitReport(scored), { nonce: 'n', title: 't' });
  assert.match(html, /<h2>Defect flags<\/h2>\n<p>2 images flagged\.<\/p><ul><li>repetition loop: 1<\/li><li>stock opening or closing phrase: 2<\/li><\/ul>/);
  assert.match(html, /<h2>Audit<\/h2>\n<p>no audit sample: draw one with &quot;recaption audit &lt;folder&gt; --sample N&quot;<\/p>/);
  assert.ok(html.includes('scored texts (tiny-&lt;clip&gt;)'), 'model name escaped');
  assert.ok(html.includes('0.250 / 0.250'), 'DSC score mean / median');
  // Two SSCs and DSCs: too few to judge, so no "no sharp differences" claim.
  assert.ok(!html.includes('No sharp differences'));
  assert.ok(html.includes('Note: too few SSCs to judge: 2, and 20 are needed.'));
});

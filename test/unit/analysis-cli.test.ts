// recaption stats --report as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { HabitReport } from '../../src/core/analysis/index.js';
import { makeDataset } from './export-fixture.js';

const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');

test('recaption stats --report prints the side-by-side report, --json its data', async () => {
  const store = await makeDataset([
    { fileName: 'a.png', alt: 'Red barn', ssc: 'a red barn', dsc: 'The image shows a red barn.' },
    { fileName: 'b.png', alt: 'Blue sea', ssc: 'a blue sea', dsc: 'The image shows a blue sea. The sea is blue. The sea is blue.' },
  ]);
  const text = spawnSync(tsx, [cli, 'stats', store.folder, '--report'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Caption habits over 2 images/);
  assert.match(text.stdout, /starts with a\/an\/the\s+0\.0%\s+100\.0%\s+100\.0%/);
  const json = spawnSync(tsx, [cli, 'stats', store.folder, '--report', '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as HabitReport;
  assert.equal(report.sources.dsc.loops.count, 1);
  assert.deepEqual(report.sources.dsc.openings[0], { phrase: 'the image shows', count: 2, share: 1 });
});

test('recaption stats --json counts the records with each defect flag; the text output lists them', async () => {
  const store = await makeDataset([
    { fileName: 'a.png', alt: 'Red barn', ssc: 'a red barn', dsc: 'A red barn in a green field.' },
    // Stock opening, and a loop ("the sea is blue" twice).
    { fileName: 'b.png', alt: 'Blue sea', ssc: 'a blue sea', dsc: 'The image shows a blue sea. The sea is blue. The sea is blue.' },
    // SSC longer than its DSC, sharing no content word with it.
    { fileName: 'c.png', alt: null, ssc: 'an old wooden fishing boat on a quiet lake', dsc: 'Mountains.' },
  ]);
  const json = spawnSync(tsx, [cli, 'stats', store.folder, '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const stats = JSON.parse(json.stdout) as { flagged: number; flags: Record<string, number> };
  assert.equal(stats.flagged, 2);
  assert.deepEqual(stats.flags, { 'length-limit': 0, repetition: 1, 'stock-phrase': 1, 'ssc-longer': 1, 'no-shared-words': 1, 'length-outlier': 0, 'low-score': 0 });
  const text = spawnSync(tsx, [cli, 'stats', store.folder], { encoding: 'utf8' });
  assert.match(text.stdout, /^flagged +2 +\(repetition 1, stock-phrase 1, ssc-longer 1, no-shared-words 1\)$/m);

  // --no-flags: the same counts, and no flag fields or line (they were not computed).
  const counts = spawnSync(tsx, [cli, 'stats', store.folder, '--json', '--no-flags'], { encoding: 'utf8' });
  assert.equal(counts.status, 0, counts.stderr);
  const { flagged: _flagged, flags: _flags, ...withoutFlags } = stats as Record<string, unknown>;
  assert.deepEqual(JSON.parse(counts.stdout), withoutFlags);
  const countsText = spawnSync(tsx, [cli, 'stats', store.folder, '--no-flags'], { encoding: 'utf8' });
  assert.equal(countsText.status, 0, countsText.stderr);
  assert.match(countsText.stdout, /^images +3$/m);
  assert.doesNotMatch(countsText.stdout, /flagged/);
});

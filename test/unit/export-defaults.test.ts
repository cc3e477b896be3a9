// One default per setting, defined once: the core, the CLI and the extension (its own integration test)
// export the same selection when the user does not choose, and an integer option too large to hold
// exactly is refused with the user's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EXPORT_SELECTION } from '../../src/core/export/types.js';
import { exportFineTuneSet } from '../../src/core/export/index.js';
import { intOption } from '../../src/cli/command.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';

test('without a choice, the core and the CLI export approved captions only', async () => {
  assert.equal(DEFAULT_EXPORT_SELECTION, 'approved');
  const images = approvedImages(4).map((img, i) => (i < 2 ? img : { ...img, sscReview: null, dscReview: null }));
  const store = await makeDataset(images);
  const core = await exportFineTuneSet({ store, out: await tempDir('out'), profile: 'dsc', format: 'hf' });
  assert.equal(core.record.select, 'approved');
  assert.equal(core.record.counts.total, 2);
  const out = path.join(await tempDir('out'), 'cli');
  const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../src/cli/main.ts'), 'export', store.folder, '--out', out, '--profile', 'dsc', '--format', 'hf'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const record = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as { select: string; counts: { total: number } };
  assert.equal(record.select, 'approved');
  assert.equal(record.counts.total, 2);
});

test('an integer option too large to be exact is refused, quoting what the user typed', () => {
  assert.throws(() => intOption('99999999999999999999', 'seed', 0), /--seed must be a whole number .* got "99999999999999999999"/);
  assert.equal(intOption('12', 'seed', 0), 12);
});

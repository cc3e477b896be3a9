// A manifest line that cannot be read is kept as it is; scan says so (as every other command does), and
// never adds a second, fresh record for the same image beside the kept line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir, writeImage } from '../support/temp-dataset.js';

test('re-scan keeps the bad line, warns with its number and does not add its image again', async () => {
  const dir = await makeTempDir();
  try {
    await writeImage(dir, 'a.png');
    await writeImage(dir, 'b.png');
    await writeImage(dir, 'c.png');
    await scanDataset(dir);
    const file = path.join(dir, MANIFEST_NAME);
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    // b.png's line broken by hand (a bad merge), c.png's made an invalid record.
    lines[1] = lines[1]!.replace('"width"', '"width":,');
    lines[2] = lines[2]!.replace(/"ssc":null/, '"ssc":"not an object"');
    await fs.writeFile(file, lines.join('\n') + '\n');
    for (let round = 0; round < 2; round++) {
      const { report } = await scanDataset(dir);
      assert.ok(report.warnings.some((w) => /b\.png.*line 2/.test(w)), report.warnings.join('\n'));
      assert.ok(report.warnings.some((w) => /c\.png.*line 3/.test(w)), report.warnings.join('\n'));
      const now = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
      assert.equal(now.length, 3, `round ${round}: ${now.length} lines`);
      assert.equal(now[1], lines[1]);
      assert.equal(now[2], lines[2]);
    }
    const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../src/cli/main.ts'), 'scan', dir], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stderr, /warning: recaption\.jsonl line 2: not valid JSON/);
    assert.match(cli.stderr, /warning: recaption\.jsonl line 3: /);
  } finally {
    await removeDir(dir);
  }
});

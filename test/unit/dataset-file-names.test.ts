// File names the manifest cannot hold: a backslash or a drive prefix (which the loader rejects, so each
// re-scan used to add them again: 11 -> 13 -> 15 lines), and names that are not UTF-8 (two of which
// collapsed into one "\uFFFD" record). The walk skips them with one warning each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir, writeImage } from '../support/temp-dataset.js';

const posix = process.platform !== 'win32';

test('names the manifest cannot hold are skipped with a warning, and re-scans add nothing', { skip: !posix && 'backslash names need a POSIX file system' }, async () => {
  const dir = await makeTempDir();
  try {
    await writeImage(dir, 'ok.png');
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
    await fs.writeFile(path.join(dir, 'a\\b.png'), png);
    await fs.writeFile(path.join(dir, 'C:foo.png'), png);
    // Two names that differ only in bytes that are not UTF-8.
    await fs.writeFile(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff]), Buffer.from('.png')]), png);
    await fs.writeFile(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xfe]), Buffer.from('.png')]), png);
    for (let round = 0; round < 3; round++) {
      const { store, report } = await scanDataset(dir);
      assert.deepEqual([...store.names()], ['ok.png'], `round ${round}`);
      assert.equal(store.problems.length, 0);
      assert.ok(report.warnings.some((w) => w.includes('a\\b.png') && /backslash/.test(w)), report.warnings.join('\n'));
      assert.ok(report.warnings.some((w) => w.includes('C:foo.png')), report.warnings.join('\n'));
      assert.equal(report.warnings.filter((w) => /not valid UTF-8/.test(w)).length, 2, report.warnings.join('\n'));
      assert.equal((await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8')).trimEnd().split('\n').length, 1);
    }
  } finally {
    await removeDir(dir);
  }
});

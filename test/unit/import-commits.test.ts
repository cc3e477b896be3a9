// An import records a unit as finished only once the images it holds are durable, a batch at a time:
// here with the per-file fsync that is used where syncfs is not (and whose failure is easy to cause),
// and with syncfs where the system has it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImportCommits } from '../../src/core/import/import-commits.js';
import { readUnit, unitsFolder, type FinishedUnit } from '../../src/core/import/import-state.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

function unitOf(file: string): FinishedUnit {
  return {
    summary: { rows: 1, images: 1, skipped: {}, examples: {} },
    entries: [{ file_name: `images/a/${path.basename(file)}`, alt: 'a caption', source_file: 'a.tar', source_key: 'k' }],
  };
}

async function withOut(run: (out: string) => Promise<void>): Promise<void> {
  const out = await makeTempDir('recaption-commits-');
  try {
    await fs.mkdir(unitsFolder(out), { recursive: true });
    await fs.mkdir(path.join(out, 'images', '.a.partial'), { recursive: true });
    await run(out);
  } finally {
    await removeDir(out);
  }
}

for (const fileSystem of [false, ...(process.platform === 'linux' ? [true] : [])]) {
  test(`a unit is recorded once its images are synced, and not before (${fileSystem ? 'syncfs' : 'an fsync per file'})`, async () => {
    await withOut(async (out) => {
      const image = path.join(out, 'images', '.a.partial', 'k.png');
      await fs.writeFile(image, 'image bytes');
      const commits = new ImportCommits(out, { fileSystem });
      commits.wrote(image, 11);
      commits.finished('a', unitOf(image));
      // One image is far below a batch: nothing is synced or recorded yet.
      await commits.checkpoint();
      assert.equal(await readUnit(out, 'a'), null);
      await commits.settle();
      assert.deepEqual(await readUnit(out, 'a'), unitOf(image));
    });
  });
}

test('a unit whose images cannot be synced is not recorded', async () => {
  await withOut(async (out) => {
    const gone = path.join(out, 'images', '.a.partial', 'gone.png');
    const commits = new ImportCommits(out, { fileSystem: false });
    commits.wrote(gone, 11);
    commits.finished('a', unitOf(gone));
    await assert.rejects(commits.settle(), /ENOENT/);
    assert.equal(await readUnit(out, 'a'), null);
    assert.deepEqual(await fs.readdir(unitsFolder(out)), []);
  });
});

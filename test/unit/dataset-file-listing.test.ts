// DatasetFolder lists a folder's next two siblings (in name order) while the images of this one are read, so a
// pass over a million images in a thousand folders does not wait for each folder's listing; what is listed
// ahead is judged as any folder is, and a link among the siblings is left to be judged when it is reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { DatasetFolder, isRefusal, MAX_ENTRIES_LISTED_AHEAD } from '../../src/core/dataset/dataset-file.js';

async function folderOf(names: readonly string[]): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-listing-'));
  for (const name of names) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), 'x');
  }
  return root;
}

/** Waits until `name` is known listed, or gives up after a second. */
async function listedSoon(files: DatasetFolder, name: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (files.listsFile(name)) return true;
    await sleep(10);
  }
  return false;
}

test('the next two folders in name order are listed ahead, and the ones after them once those are reached', async () => {
  const root = await folderOf(['p0/a.jpg', 'p1/b.jpg', 'p2/c.jpg', 'p10/d.jpg', 'q/e.jpg']);
  const files = await DatasetFolder.open(root);
  assert.equal(files.listsFile('p0/a.jpg'), false, 'nothing is listed before it is asked for');
  assert.ok(!isRefusal(await files.resolve('p0/a.jpg')));
  // In code-unit order p0 < p1 < p10 < p2 < q: p1 and p10 come next, and only they until one is reached.
  await sleep(100);
  assert.equal(files.listsFile('p2/c.jpg'), false, 'only the next two are listed ahead, not every folder');
  assert.equal(files.listsFile('q/e.jpg'), false);
  assert.equal(files.listsFile('p1/b.jpg'), true, 'p1 is listed ahead');
  assert.equal(files.listsFile('p10/d.jpg'), true, 'and p10');
  assert.ok(await listedSoon(files, 'p2/c.jpg'), 'reaching them lists p2');
  assert.ok(await listedSoon(files, 'q/e.jpg'));
  await fs.rm(root, { recursive: true, force: true });
});

test('a link among the siblings is not listed ahead; a folder listed ahead that leads out is refused when reached', async () => {
  const outside = await folderOf(['secret.jpg']);
  const root = await folderOf(['a/1.jpg', 'c/3.jpg']);
  await fs.symlink(outside, path.join(root, 'b'));
  const files = await DatasetFolder.open(root);
  assert.ok(!isRefusal(await files.resolve('a/1.jpg')));
  // b is a link: skipped ahead, so c is listed next.
  assert.ok(await listedSoon(files, 'c/3.jpg'));
  assert.equal(files.listsFile('b/secret.jpg'), false);
  const refused = await files.resolve('b/secret.jpg');
  assert.ok(isRefusal(refused) && refused.refused === 'outside');
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

test('a parent of more entries than are listed ahead is not read to guess the next folder', async () => {
  const root = await folderOf(['a/1.jpg', 'b/2.jpg']);
  // With a and b, one entry over the bound.
  for (let i = 0; i < MAX_ENTRIES_LISTED_AHEAD - 1; i++) writeFileSync(path.join(root, `f${i}.jpg`), '');
  const files = await DatasetFolder.open(root);
  assert.ok(!isRefusal(await files.resolve('a/1.jpg')));
  await sleep(300);
  assert.equal(files.listsFile('b/2.jpg'), false, 'b was not listed ahead');
  // It is still found when asked for.
  assert.ok(!isRefusal(await files.resolve('b/2.jpg')));
  await fs.rm(root, { recursive: true, force: true });
});

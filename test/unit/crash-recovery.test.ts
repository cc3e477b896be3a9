// What a killed process leaves behind, and how the next run deals with it: leftovers are removed only when
// their owner is gone, a killed export commit is finished, and seeded kill -9 trials of every command that
// writes (export, save, caption, merge) find nothing torn, lost, stranded or left over.
// `npx tsx scripts/kill-trials.ts --trials 100` runs the same trials at scale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/core/dataset/atomic-write.js';
import { ExportError, exportFineTuneSet } from '../../src/core/export/index.js';
import { COMMIT_JOURNAL_NAME } from '../../src/core/export/output-folder.js';
import { UNVERIFIABLE_LEFTOVER_AGE_MS, ownerTag } from '../../src/core/util/leftovers.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { TRIALS, TRIAL_KINDS } from '../support/kill-trials.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { approvedImages, makeDataset } from './export-fixture.js';

const HOST = ownerTag().split('-')[0]!;

async function withLiveProcess(fn: (pid: number) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await fn(child.pid!);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

test('a manifest save removes temp files of dead writers only: never a live one, a foreign name, or a recent one from another host', async () => {
  const dir = await makeTempDir();
  try {
    const target = path.join(dir, MANIFEST_NAME);
    const dead = await deadPid();
    await withLiveProcess(async (live) => {
      const names = {
        dead: `.${MANIFEST_NAME}.${HOST}-${dead}.0badc0de.tmp`,
        live: `.${MANIFEST_NAME}.${HOST}-${live}.0badc0de.tmp`,
        otherHostRecent: `.${MANIFEST_NAME}.ffffffff-${dead}.0badc0de.tmp`,
        otherHostOld: `.${MANIFEST_NAME}.fffffffe-${dead}.0badc0de.tmp`,
        olderReleaseOld: `.${MANIFEST_NAME}.${dead}.0badc0de.tmp`,
        notOurs: `.${MANIFEST_NAME}.backup.tmp`,
        otherTarget: `.other.jsonl.${HOST}-${dead}.0badc0de.tmp`,
      };
      for (const name of Object.values(names)) await fs.writeFile(path.join(dir, name), 'partial');
      const old = new Date(Date.now() - UNVERIFIABLE_LEFTOVER_AGE_MS - 60_000);
      for (const name of [names.otherHostOld, names.olderReleaseOld]) await fs.utimes(path.join(dir, name), old, old);
      await writeFileAtomic(target, 'new manifest\n');
      const left = (await fs.readdir(dir)).sort();
      assert.deepEqual(left, [names.live, names.otherHostRecent, names.notOurs, names.otherTarget, MANIFEST_NAME].sort());
    });
  } finally {
    await removeDir(dir);
  }
});

test('an export removes staging folders of dead exports, keeps a live one, and refuses a journal it cannot trust', async () => {
  const store = await makeDataset(approvedImages(6));
  const out = await makeTempDir();
  try {
    const dead = await deadPid();
    await withLiveProcess(async (live) => {
      const deadStaging = `.recaption-export-${HOST}-${dead}-0123456789ab.partial`;
      const liveStaging = `.recaption-export-${HOST}-${live}-0123456789ab.partial`;
      for (const name of [deadStaging, liveStaging]) {
        await fs.mkdir(path.join(out, name, 'train'), { recursive: true });
        await fs.writeFile(path.join(out, name, 'train', 'metadata.jsonl'), '{}\n');
      }
      const { notices } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf' });
      assert.ok(notices.some((n) => /removed 1 staging folder/.test(n)), notices.join('; '));
      const dots = (await fs.readdir(out)).filter((n) => n.startsWith('.'));
      assert.deepEqual(dots, [liveStaging]);
    });
    // A journal someone edited to point elsewhere is not carried out.
    await fs.writeFile(
      path.join(out, COMMIT_JOURNAL_NAME),
      JSON.stringify({ tool: 'recaption', journal_version: 1, owner: `${HOST}-1`, format: 'hf', staging: '../../etc', removes: [], moves: ['train'], record: '{}' }),
    );
    await assert.rejects(exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', force: true }), (err: unknown) => {
      assert.ok(err instanceof ExportError && err.code === 'out-damaged', String(err));
      return true;
    });
    assert.ok((await fs.readdir(out)).includes('train'), 'the complete export is still there');
  } finally {
    await removeDir(out);
    await removeDir(store.folder);
  }
});

test('a commit killed halfway is finished by the next export into the folder, which then says so', async () => {
  const store = await makeDataset(approvedImages(8));
  const work = await makeTempDir();
  try {
    // What a killed commit leaves: the staged export, its journal, the old export.json already gone,
    // one of the two entries already moved into place.
    const staged = path.join(work, 'staged');
    await exportFineTuneSet({ store, out: staged, profile: 'dsc', format: 'hf', validation: 0.5 });
    const record = await fs.readFile(path.join(staged, 'export.json'), 'utf8');
    await fs.rm(path.join(staged, 'export.json'));
    const out = path.join(work, 'out');
    await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', validation: 0.5 });
    await fs.rm(path.join(out, 'export.json'));
    const staging = `.recaption-export-${HOST}-${await deadPid()}-0123456789ab.partial`;
    await fs.rename(staged, path.join(out, staging));
    await fs.rm(path.join(out, 'train'), { recursive: true });
    await fs.rename(path.join(out, staging, 'train'), path.join(out, 'train'));
    await fs.writeFile(
      path.join(out, COMMIT_JOURNAL_NAME),
      JSON.stringify({ tool: 'recaption', journal_version: 1, owner: `${HOST}-${await deadPid()}`, format: 'hf', staging, removes: [], moves: ['README.md', 'card', 'train', 'validation'], record }),
    );
    await assert.rejects(exportFineTuneSet({ store, out, profile: 'dsc', format: 'hf' }), (err: unknown) => {
      assert.ok(err instanceof ExportError && err.code === 'out-not-empty', String(err));
      assert.match(err.message, /finished an export .* interrupted .* complete now .* force it/);
      return true;
    });
    assert.deepEqual((await fs.readdir(out)).sort(), ['README.md', 'card', 'export.json', 'train', 'validation']);
    assert.equal(await fs.readFile(path.join(out, 'export.json'), 'utf8'), record);
    assert.match(await fs.readFile(path.join(out, 'README.md'), 'utf8'), /`dsc`/, 'the card is the new (DSC) export\'s');
    const metadata = await fs.readFile(path.join(out, 'validation', 'metadata.jsonl'), 'utf8');
    assert.match(metadata, /A long description/, 'the validation split is the new (DSC) one');
  } finally {
    await removeDir(work);
    await removeDir(store.folder);
  }
});

test('export --force replaces only names its own format writes, whatever an earlier export.json lists', async () => {
  const store = await makeDataset(approvedImages(6));
  const out = await makeTempDir();
  try {
    await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf' });
    await fs.mkdir(path.join(out, 'src'));
    await fs.writeFile(path.join(out, 'src', 'precious.ts'), 'mine');
    const recordFile = path.join(out, 'export.json');
    const record = JSON.parse(await fs.readFile(recordFile, 'utf8')) as { outputs: string[] };
    record.outputs.push('src');
    await fs.writeFile(recordFile, JSON.stringify(record));
    await exportFineTuneSet({ store, out, profile: 'dsc', format: 'hf', force: true });
    assert.equal(await fs.readFile(path.join(out, 'src', 'precious.ts'), 'utf8'), 'mine');
  } finally {
    await removeDir(out);
    await removeDir(store.folder);
  }
});

for (const kind of TRIAL_KINDS) {
  const count = kind === 'export' ? 12 : 5;
  test(`kill -9 trials, ${kind}: nothing torn, lost, stranded or left over (${count} seeded trials)`, async () => {
    const t = await TRIALS[kind](count, 20261201);
    assert.equal(t.trials, count);
    assert.ok(t.killedMidway >= Math.ceil(count / 2), `only ${t.killedMidway} of ${count} kills landed before the command finished`);
    assert.deepEqual(t.failures, []);
  });
}

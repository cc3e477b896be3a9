// What a killed process leaves behind, and how the next run deals with it: leftovers are removed only when
// their owner is gone, a killed export swap is finished, and seeded kill -9 trials of every command that
// writes (export, import, save, caption, merge) find nothing torn, lost, stranded or left over.
// `npx tsx scripts/kill-trials.ts --trials 100` runs the same trials at scale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/core/dataset/atomic-write.js';
import { ExportError, exportFineTuneSet } from '../../src/core/export/index.js';
import { sideNamesOf } from '../../src/core/export/side-names.js';
import { UNVERIFIABLE_LEFTOVER_AGE_MS, ownerTag } from '../../src/core/util/leftovers.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { EXPORT_SETUPS, TRIALS, TRIAL_KINDS } from '../support/kill-trials.js';
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

test('an export removes build folders of dead exports beside its folder, keeps a live one, and refuses a journal it cannot trust', async () => {
  const store = await makeDataset(approvedImages(6));
  const parent = await makeTempDir();
  const out = path.join(parent, 'out');
  try {
    const dead = await deadPid();
    await withLiveProcess(async (live) => {
      const deadStaging = `.out.recaption-export-${HOST}-${dead}-0123456789ab.partial`;
      const liveStaging = `.out.recaption-export-${HOST}-${live}-0123456789ab.partial`;
      const otherFolders = `.other.recaption-export-${HOST}-${dead}-0123456789ab.partial`;
      for (const name of [deadStaging, liveStaging, otherFolders]) {
        await fs.mkdir(path.join(parent, name, 'train'), { recursive: true });
        await fs.writeFile(path.join(parent, name, 'train', 'metadata.jsonl'), '{}\n');
      }
      const { notices } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf' });
      assert.ok(notices.some((n) => /removed 1 unfinished export folder/.test(n)), notices.join('; '));
      assert.deepEqual((await fs.readdir(parent)).sort(), [liveStaging, otherFolders, 'out'].sort());
      assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('.')), [], 'nothing hidden inside the export');
    });
    // A journal someone edited to point elsewhere is not carried out.
    const names = sideNamesOf(out);
    await fs.writeFile(
      names.journal,
      JSON.stringify({ tool: 'recaption', journal_version: 2, owner: `${HOST}-1`, target: 'out', staging: '../../etc', setAside: '.out.recaption-export-x.old', replaces: [], carry: [] }),
    );
    await assert.rejects(exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', force: true }), (err: unknown) => {
      assert.ok(err instanceof ExportError && err.code === 'out-damaged', String(err));
      return true;
    });
    assert.ok((await fs.readdir(out)).includes('train'), 'the complete export is still there');
  } finally {
    await removeDir(parent);
    await removeDir(store.folder);
  }
});

/**
 * What a swap killed at `stage` leaves: export A (SSC) with the user's notes.txt in `out`, export B (DSC) built
 * beside it, and the journal; then, from 'set-aside' on, A renamed aside (out absent).
 */
async function killedSwap(store: Awaited<ReturnType<typeof makeDataset>>, parent: string, stage: 'journaled' | 'set-aside'): Promise<{ out: string; recordB: string }> {
  const out = path.join(parent, 'out');
  const names = sideNamesOf(out);
  await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', validation: 0.5 });
  await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
  const built = path.join(parent, 'built');
  await exportFineTuneSet({ store, out: built, profile: 'dsc', format: 'hf', validation: 0.5 });
  const recordB = await fs.readFile(path.join(built, 'export.json'), 'utf8');
  const staging = `.out.recaption-export-${HOST}-${await deadPid()}-0123456789ab.partial`;
  const setAside = `.out.recaption-export-${HOST}-${await deadPid()}-0123456789ab.old`;
  await fs.rename(built, path.join(parent, staging));
  const journal = { tool: 'recaption', journal_version: 2, owner: `${HOST}-${await deadPid()}`, target: 'out', staging, setAside, replaces: ['README.md', 'card', 'train', 'validation', 'export.json'], carry: ['notes.txt'] };
  await fs.writeFile(names.journal, JSON.stringify(journal));
  if (stage === 'set-aside') {
    await fs.link(path.join(out, 'notes.txt'), path.join(parent, staging, 'notes.txt'));
    await fs.rename(out, path.join(parent, setAside));
  }
  return { out, recordB };
}

test('a swap killed at any step is finished by the next export into the folder: the same export exits cleanly, another one needs force', async () => {
  const store = await makeDataset(approvedImages(8));
  try {
    for (const stage of ['journaled', 'set-aside'] as const) {
      const parent = await makeTempDir();
      try {
        const { out, recordB } = await killedSwap(store, parent, stage);
        // The same export again, not forced: the swap is finished, and the export is recognised as done.
        const again = await exportFineTuneSet({ store, out, profile: 'dsc', format: 'hf', validation: 0.5 });
        assert.ok(again.notices.some((n) => /finished an export .* interrupted/.test(n)), `${stage}: ${again.notices.join('; ')}`);
        assert.ok(again.notices.some((n) => /already holds this export/.test(n)), `${stage}: ${again.notices.join('; ')}`);
        assert.deepEqual((await fs.readdir(parent)).sort(), ['out'], `${stage}: nothing left beside it`);
        assert.deepEqual((await fs.readdir(out)).sort(), ['README.md', 'card', 'export.json', 'notes.txt', 'train', 'validation']);
        assert.equal(await fs.readFile(path.join(out, 'export.json'), 'utf8'), recordB);
        assert.equal(await fs.readFile(path.join(out, 'notes.txt'), 'utf8'), 'mine');
        assert.match(await fs.readFile(path.join(out, 'validation', 'metadata.jsonl'), 'utf8'), /A long description/, 'the new (DSC) export');
      } finally {
        await removeDir(parent);
      }
      // Other settings, not forced: finished, then refused with what to do.
      const other = await makeTempDir();
      try {
        const { out } = await killedSwap(store, other, stage);
        await assert.rejects(exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', validation: 0.5 }), (err: unknown) => {
          assert.ok(err instanceof ExportError && err.code === 'out-not-empty', String(err));
          assert.match(err.message, /finished an export .* interrupted .* other settings .* force it/);
          return true;
        });
      } finally {
        await removeDir(other);
      }
    }
  } finally {
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
  // Export: each format and image mode once into a fresh folder and once forced over an earlier export.
  const count = kind === 'export' ? EXPORT_SETUPS.length * 2 : 5;
  test(`kill -9 trials, ${kind}: nothing torn, lost, stranded or left over (${count} seeded trials)`, async () => {
    const t = await TRIALS[kind](count, 20261201);
    assert.equal(t.trials, count);
    assert.ok(t.killedMidway >= Math.ceil(count / 2), `only ${t.killedMidway} of ${count} kills landed before the command finished`);
    assert.deepEqual(t.failures, []);
  });
}

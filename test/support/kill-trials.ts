// Randomized kill -9 trials: a real child process (export, manifest save, captioning run, shard merge, import) is
// killed at a seeded random moment, then the folder is checked as the user would find it, then the same
// command is run again as the user would, and checked once more. Counted per trial:
// - torn: a file under a final name that is not whole (a manifest that does not parse, an export.json
//   that claims files which are missing or not the ones it describes);
// - lost: a person's caption, or a file the user put there, gone or changed;
// - stranded: the re-run fails, so the user would have to repair the folder by hand;
// - leftovers: a temp or staging file still there after the re-run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MANIFEST_NAME, type ManifestRecord } from '../../src/shared/record.js';
import type { ExportFormat, ImageMode } from '../../src/core/export/types.js';
import type { ChildExportSettings } from './export-child.js';
import { approvedImages, makeDataset } from '../unit/export-fixture.js';
import { makeTempDir, removeDir, writeImage } from './temp-dataset.js';
import { readUnit } from '../../src/core/import/import-state.js';
import { hfColumns, makeImages, writeParquet, writeTar, type TestImage } from './import-fixtures.js';

export type TrialKind = 'export' | 'save' | 'caption' | 'merge' | 'import';
export const TRIAL_KINDS: readonly TrialKind[] = ['export', 'save', 'caption', 'merge', 'import'];

export interface TrialTally {
  kind: TrialKind;
  trials: number;
  /** Trials whose kill landed before the command finished (the others found it already done). */
  killedMidway: number;
  /** Export trials whose kill landed in the swap itself (its journal was there afterwards). */
  killedMidSwap: number;
  torn: number;
  lost: number;
  stranded: number;
  leftovers: number;
  /** One line per bad trial, with its seed, so it can be replayed. */
  failures: string[];
  /** Export trials per set-up and scenario ("hf-link forced"): how many, and how many of them went wrong each way. */
  bySetup: Record<string, { trials: number; torn: number; lost: number; stranded: number; leftovers: number }>;
}

const TSX = ['--import', 'tsx'];
const CLI = path.join(__dirname, '../../src/cli/main.ts');
const TINY_FLORENCE2 = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-florence2');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** When each stdout line first appeared, in ms from the start. */
  marks: Map<string, number>;
}

/** Runs a child; kills it with SIGKILL `killAfterMs` after `trigger` appears on its stdout (or after start). */
function run(args: string[], kill?: { afterMs: number; trigger?: string }): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...TSX, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:9' } });
    let stdout = '';
    let stderr = '';
    let armed = false;
    const marks = new Map<string, number>();
    const arm = () => {
      if (armed || !kill) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split('\n')) if (line && !marks.has(line)) marks.set(line, performance.now() - started);
      if (kill?.trigger !== undefined && stdout.includes(kill.trigger)) arm();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (kill && kill.trigger === undefined) arm();
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started, marks }));
  });
}

async function dotEntries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.startsWith('.')).sort();
}

function tally(kind: TrialKind): TrialTally {
  return { kind, trials: 0, killedMidway: 0, killedMidSwap: 0, torn: 0, lost: 0, stranded: 0, leftovers: 0, failures: [], bySetup: {} };
}

function fail(t: TrialTally, what: 'torn' | 'lost' | 'stranded' | 'leftovers', trial: string, detail: string): void {
  t[what]++;
  t.failures.push(`${trial}: ${what}: ${detail}`);
}

// ---- export: every format and image mode, into a fresh folder or forced over an earlier export ----

export interface ExportSetup {
  name: string;
  format: ExportFormat;
  images: ImageMode;
}

/** The set-ups the export trials go round: every format, images copied, hard-linked and left out. */
export const EXPORT_SETUPS: readonly ExportSetup[] = [
  { name: 'hf', format: 'hf', images: 'copy' },
  { name: 'hf-link', format: 'hf', images: 'link' },
  { name: 'hf-none', format: 'hf', images: 'none' },
  { name: 'sidecar', format: 'sidecar', images: 'copy' },
  { name: 'webdataset', format: 'webdataset', images: 'copy' },
  { name: 'webdataset-none', format: 'webdataset', images: 'none' },
  { name: 'parquet', format: 'parquet', images: 'copy' },
  { name: 'parquet-none', format: 'parquet', images: 'none' },
  { name: 'llava-link', format: 'llava', images: 'link' },
  { name: 'openai', format: 'openai', images: 'copy' },
];

export type ExportScenario = 'fresh' | 'forced';

const USER_FILE = 'notes.txt';
const USER_TEXT = "the user's own file";

/** The earlier export (A) and the one the trial makes (B): different captions and shard sizes. */
function exportSettings(setup: ExportSetup, which: 'a' | 'b', force: boolean): ChildExportSettings {
  return { format: setup.format, images: setup.images, profile: which === 'a' ? 'ssc' : 'dsc', shardSize: which === 'a' ? 1 : 2, validation: 0.1, force };
}

/**
 * An export folder as content: every file's sha256 by relative path (export.json without its time), the
 * user's file and top-level dot entries (staging, journals) left out. Null when the folder is absent.
 */
async function exportTree(root: string): Promise<Map<string, string> | null> {
  if (!(await fs.stat(root).catch(() => null))) return null;
  const out = new Map<string, string>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (!rel && (entry.name.startsWith('.') || entry.name === USER_FILE)) continue;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(abs, relPath);
        continue;
      }
      let bytes = await fs.readFile(abs);
      if (relPath === 'export.json') {
        try {
          const record = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
          delete record.created_at;
          delete record.settings_sha256;
          bytes = Buffer.from(JSON.stringify(record));
        } catch {
          // a torn export.json hashes as it is, and matches no reference
        }
      }
      out.set(relPath, createHash('sha256').update(bytes).digest('hex'));
    }
  };
  await walk(root, '');
  return out;
}

function sameTree(a: Map<string, string> | null, b: Map<string, string> | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && [...a].every(([name, hash]) => b.get(name) === hash);
}

function treeDifference(found: Map<string, string>, ref: Map<string, string>): string {
  const missing = [...ref.keys()].filter((n) => !found.has(n));
  const extra = [...found.keys()].filter((n) => !ref.has(n));
  const changed = [...ref.keys()].filter((n) => found.has(n) && found.get(n) !== ref.get(n));
  return `${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')}), ${changed.length} different (${changed.slice(0, 3).join(', ')})`;
}

interface SetupState {
  refA: Map<string, string>;
  refB: Map<string, string>;
  /** A copy of export A to start forced trials from. */
  folderA: string;
  /** How long an uninterrupted export takes, its finishing phase (card and commit), and its commit. */
  totalMs: number;
  finishMs: number;
  commitMs: number;
}

export async function exportTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('export');
  const random = seededRandom(seed);
  const store = await makeDataset(approvedImages(60));
  const work = await makeTempDir('recaption-kill-export-');
  const child = path.join(__dirname, 'export-child.ts');
  const runExport = (out: string, settings: ChildExportSettings, kill?: { afterMs: number; trigger?: string }) =>
    run([child, store.folder, out, JSON.stringify(settings)], kill);
  const states = new Map<string, SetupState>();
  const stateOf = async (setup: ExportSetup): Promise<SetupState> => {
    const known = states.get(setup.name);
    if (known) return known;
    const folderA = path.join(work, `ref-${setup.name}-a`);
    const folderB = path.join(work, `ref-${setup.name}-b`);
    const a = await runExport(folderA, exportSettings(setup, 'a', false));
    const b = await runExport(folderB, exportSettings(setup, 'b', false));
    if (a.code !== 0 || b.code !== 0) throw new Error(`reference exports of ${setup.name} failed: ${a.stderr}${b.stderr}`);
    // Timed as a forced export over A (the longer move into place), so that kills can be aimed at its phases.
    const timed = path.join(work, `timing-${setup.name}`);
    await fs.cp(folderA, timed, { recursive: true });
    await fs.writeFile(path.join(timed, USER_FILE), USER_TEXT);
    const timing = await runExport(timed, exportSettings(setup, 'b', true));
    if (timing.code !== 0) throw new Error(timing.stderr);
    const state: SetupState = {
      refA: (await exportTree(folderA))!,
      refB: (await exportTree(folderB))!,
      folderA,
      totalMs: timing.ms,
      finishMs: Math.max(5, (timing.marks.get('done') ?? 0) - (timing.marks.get('finishing') ?? 0)),
      commitMs: Math.max(2, (timing.marks.get('done') ?? 0) - (timing.marks.get('committing') ?? 0)),
    };
    states.set(setup.name, state);
    return state;
  };
  try {
    for (let i = 0; i < count; i++) {
      const setup = EXPORT_SETUPS[i % EXPORT_SETUPS.length]!;
      const scenario: ExportScenario = Math.floor(i / EXPORT_SETUPS.length) % 2 === 0 ? 'fresh' : 'forced';
      const state = await stateOf(setup);
      t.trials++;
      const label = `export trial ${i} (seed ${seed}, ${setup.name}, ${scenario})`;
      const before = { torn: t.torn, lost: t.lost, stranded: t.stranded, leftovers: t.leftovers };
      const dir = path.join(work, `trial-${i}`);
      const out = path.join(dir, 'out');
      await fs.mkdir(dir);
      if (scenario === 'forced') {
        await fs.cp(state.folderA, out, { recursive: true });
        await fs.writeFile(path.join(out, USER_FILE), USER_TEXT);
      }
      const settings = exportSettings(setup, 'b', scenario === 'forced');
      // A quarter of the kills land anywhere, a quarter while the export finishes (the card), half while it
      // is moved into place.
      const aim = random();
      const kill =
        aim < 0.25
          ? { afterMs: random() * state.totalMs }
          : aim < 0.5
            ? { afterMs: random() * state.finishMs, trigger: 'finishing' }
            : { afterMs: random() * state.commitMs * 1.5, trigger: 'committing' };
      const killed = await runExport(out, settings, kill);
      if (killed.signal === 'SIGKILL') t.killedMidway++;

      // As found after the kill: absent, or one whole export (the earlier one or the new one), nothing between.
      // A fresh folder that holds nothing but hidden leftovers counts as absent.
      const tree = await exportTree(out);
      const found = scenario === 'fresh' && tree?.size === 0 ? null : tree;
      const whole = sameTree(found, state.refB) || (scenario === 'forced' && sameTree(found, state.refA));
      const inSwap = (await fs.readdir(dir)).some((n) => n.endsWith('.recaption-export-commit.json'));
      if (inSwap) t.killedMidSwap++;
      const pendingSwap = found === null && scenario === 'forced' && inSwap;
      if (!whole && !(found === null && scenario === 'fresh') && !pendingSwap) {
        fail(t, 'torn', label, found === null ? 'the earlier export is gone' : `after the kill: ${treeDifference(found, state.refB)} against the new export`);
      }
      const userFile = () => fs.readFile(path.join(out, USER_FILE), 'utf8').catch(() => '');
      if (scenario === 'forced' && found !== null && (await userFile()) !== USER_TEXT) fail(t, 'lost', label, USER_FILE);

      // The user runs the same command again.
      const again = await runExport(out, settings);
      if (again.code !== 0) {
        fail(t, 'stranded', label, again.stderr.trim().split('\n').pop() ?? '');
      } else {
        const after = await exportTree(out);
        if (!sameTree(after, state.refB)) fail(t, 'torn', label, `after the re-run: ${after === null ? 'no export' : treeDifference(after, state.refB)}`);
        const left = [...(await dotEntries(out).catch(() => [])), ...(await fs.readdir(dir)).filter((n) => n !== 'out')];
        if (left.length) fail(t, 'leftovers', label, left.join(', '));
        if (scenario === 'forced' && (await userFile()) !== USER_TEXT) fail(t, 'lost', label, `${USER_FILE} after the re-run`);
      }
      const row = (t.bySetup[`${setup.name} ${scenario}`] ??= { trials: 0, torn: 0, lost: 0, stranded: 0, leftovers: 0 });
      row.trials++;
      for (const k of ['torn', 'lost', 'stranded', 'leftovers'] as const) row[k] += t[k] > before[k] ? 1 : 0;
      await removeDir(dir);
    }
  } finally {
    await removeDir(work);
    await removeDir(store.folder);
  }
  return t;
}

// ---- save: a large manifest saved over and over, killed mid-write; the next command's save tidies up ----

export async function saveTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('save');
  const random = seededRandom(seed);
  const dir = await makeTempDir('recaption-kill-save-');
  try {
    const texts: string[] = [];
    for (const version of ['old', 'new']) {
      const store = ManifestStore.fromText(dir, '');
      for (let i = 0; i < 100_000; i++) {
        const name = `img/${String(i).padStart(6, '0')}.jpg`;
        store.put({ file_name: name, width: 640, height: 480, sha256: 'f'.repeat(64), alt: null, ssc: null, dsc: null, error: null });
        if (i % 10 === 0) store.writeHumanCaption(name, 'ssc', `a person's caption ${i}`);
        store.writeMachineCaption(name, 'dsc', { text: `${version} machine caption ${i}`, by: 'model', model: 'm', at: '2026-01-01T00:00:00.000Z' });
      }
      texts.push(store.serialize());
    }
    const [a, b] = texts as [string, string];
    await fs.writeFile(path.join(dir, 'a.txt'), a);
    await fs.writeFile(path.join(dir, 'b.txt'), b);
    const target = path.join(dir, MANIFEST_NAME);
    await fs.writeFile(target, a);
    for (let i = 0; i < count; i++) {
      t.trials++;
      const label = `save trial ${i} (seed ${seed})`;
      const killed = await run([path.join(__dirname, 'save-forever.ts'), target, path.join(dir, 'a.txt'), path.join(dir, 'b.txt')], {
        afterMs: random() * 400,
        trigger: 'ready',
      });
      if (killed.signal === 'SIGKILL') t.killedMidway++;
      const now = await fs.readFile(target, 'utf8');
      if (now !== a && now !== b) fail(t, 'torn', label, `${now.length} characters, neither version`);
      const next = await run([path.join(__dirname, 'save-once.ts'), dir]);
      if (next.code !== 0) fail(t, 'stranded', label, next.stderr.trim());
      const after = await fs.readFile(target, 'utf8');
      if (after !== now) fail(t, 'lost', label, 'the next save changed the manifest');
      const left = (await dotEntries(dir)).filter((n) => n.startsWith(`.${MANIFEST_NAME}.`));
      if (left.length) fail(t, 'leftovers', label, left.join(', '));
    }
  } finally {
    await removeDir(dir);
  }
  return t;
}

// ---- caption: a captioning run with human captions in the folder, killed at any moment, then resumed ----

const HUMAN_EVERY = 5;

async function captionDataset(dir: string, images: number): Promise<void> {
  for (let i = 0; i < images; i++) {
    await writeImage(dir, `img-${String(i).padStart(3, '0')}.png`, { width: 32, height: 32, color: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } });
  }
  const scanned = await run([CLI, 'scan', dir]);
  if (scanned.code !== 0) throw new Error(scanned.stderr);
  const store = await ManifestStore.open(dir);
  store.names().forEach((name, i) => {
    if (i % HUMAN_EVERY === 0) store.writeHumanCaption(name, 'ssc', `the person's caption of ${name}`);
  });
  await store.save();
}

/** Human captions as they must stay, and whether the manifest reads cleanly. */
async function checkManifest(dir: string): Promise<{ torn: string | null; lostHuman: number; store: ManifestStore | null }> {
  let store: ManifestStore;
  try {
    store = await ManifestStore.open(dir);
  } catch (err) {
    return { torn: String(err), lostHuman: 0, store: null };
  }
  if (store.problems.length) return { torn: `${store.problems.length} unreadable lines`, lostHuman: 0, store };
  let lostHuman = 0;
  store.names().forEach((name, i) => {
    if (i % HUMAN_EVERY === 0 && store.get(name)?.ssc?.text !== `the person's caption of ${name}`) lostHuman++;
  });
  return { torn: null, lostHuman, store };
}

export async function captionTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('caption');
  const random = seededRandom(seed);
  const work = await makeTempDir('recaption-kill-caption-');
  const captionArgs = (dir: string) => [CLI, 'caption', dir, '--model', TINY_FLORENCE2, '--device', 'cpu', '--batch-size', '2'];
  try {
    const template = path.join(work, 'template');
    await captionDataset(template, 40);
    const timing = await run(captionArgs(await copyOf(template, path.join(work, 'timing'))));
    if (timing.code !== 0) throw new Error(timing.stderr);
    for (let i = 0; i < count; i++) {
      t.trials++;
      const label = `caption trial ${i} (seed ${seed})`;
      const dir = await copyOf(template, path.join(work, `run-${i}`));
      const killed = await run(captionArgs(dir), { afterMs: random() * timing.ms });
      if (killed.signal === 'SIGKILL') t.killedMidway++;
      const found = await checkManifest(dir);
      if (found.torn) fail(t, 'torn', label, found.torn);
      if (found.lostHuman) fail(t, 'lost', label, `${found.lostHuman} human captions`);
      const again = await run(captionArgs(dir));
      if (again.code !== 0) {
        fail(t, 'stranded', label, again.stderr.trim().split('\n').pop() ?? '');
        continue;
      }
      const done = await checkManifest(dir);
      if (done.torn) fail(t, 'torn', label, `after the re-run: ${done.torn}`);
      if (done.lostHuman) fail(t, 'lost', label, `after the re-run: ${done.lostHuman} human captions`);
      const uncaptioned = [...(done.store?.records() ?? [])].filter((r) => !r.dsc || !r.ssc).length;
      if (uncaptioned) fail(t, 'stranded', label, `${uncaptioned} images still without captions after the re-run`);
      const left = await dotEntries(dir);
      if (left.length) fail(t, 'leftovers', label, left.join(', '));
      await removeDir(dir);
    }
  } finally {
    await removeDir(work);
  }
  return t;
}

async function copyOf(template: string, dir: string): Promise<string> {
  await fs.cp(template, dir, { recursive: true });
  return dir;
}

// ---- merge: four shard manifests folded into recaption.jsonl, killed at any moment, then merged again ----

export async function mergeTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('merge');
  const random = seededRandom(seed);
  const work = await makeTempDir('recaption-kill-merge-');
  try {
    const template = path.join(work, 'template');
    await captionDataset(template, 40);
    for (let shard = 0; shard < 4; shard++) {
      const r = await run([CLI, 'caption', template, '--model', TINY_FLORENCE2, '--device', 'cpu', '--shard', `${shard}/4`]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const reference = await copyOf(template, path.join(work, 'reference'));
    const timing = await run([CLI, 'merge', reference]);
    if (timing.code !== 0) throw new Error(timing.stderr);
    const expected = await fs.readFile(path.join(reference, MANIFEST_NAME), 'utf8');
    for (let i = 0; i < count; i++) {
      t.trials++;
      const label = `merge trial ${i} (seed ${seed})`;
      const dir = await copyOf(template, path.join(work, `run-${i}`));
      const killed = await run([CLI, 'merge', dir], { afterMs: random() * timing.ms });
      if (killed.signal === 'SIGKILL') t.killedMidway++;
      const found = await checkManifest(dir);
      if (found.torn) fail(t, 'torn', label, found.torn);
      if (found.lostHuman) fail(t, 'lost', label, `${found.lostHuman} human captions`);
      const again = await run([CLI, 'merge', dir]);
      if (again.code !== 0) {
        fail(t, 'stranded', label, again.stderr.trim().split('\n').pop() ?? '');
        continue;
      }
      if ((await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8')) !== expected) fail(t, 'lost', label, 'the merged manifest differs from an uninterrupted merge');
      const left = [...(await dotEntries(dir)), ...(await fs.readdir(dir)).filter((n) => n.startsWith('recaption.shard-'))];
      if (left.length) fail(t, 'leftovers', label, left.join(', '));
      await removeDir(dir);
    }
  } finally {
    await removeDir(work);
  }
  return t;
}

// ---- import: a Parquet file or WebDataset shards imported, killed at any moment, then imported again ----

/** Enough images for the import to sync and record units in the middle of a file, not only at its end. */
const IMPORT_IMAGES = 1100;

interface FoundImage {
  sha256: string;
  ino: number;
  mtimeMs: number;
}

/** The images under `out/images`, by the name they have once published (a partial folder's as its final one's). */
async function importedImages(out: string): Promise<Map<string, FoundImage>> {
  const found = new Map<string, FoundImage>();
  const root = path.join(out, 'images');
  for (const folder of await fs.readdir(root).catch(() => [])) {
    const stem = /^\.(.+)\.partial$/.exec(folder)?.[1] ?? folder;
    for (const name of await fs.readdir(path.join(root, folder)).catch(() => [])) {
      if (name.startsWith('.')) continue;
      const abs = path.join(root, folder, name);
      const stat = await fs.stat(abs);
      found.set(`images/${stem}/${name}`, { sha256: createHash('sha256').update(await fs.readFile(abs)).digest('hex'), ino: stat.ino, mtimeMs: stat.mtimeMs });
    }
  }
  return found;
}

/** Everything hidden in the folder that an import leaves behind only when stopped: partial folders, temp files. */
async function importLeftovers(out: string): Promise<string[]> {
  const left: string[] = [];
  for (const folder of await fs.readdir(path.join(out, 'images')).catch(() => [])) {
    if (folder.startsWith('.')) left.push(`images/${folder}`);
    else for (const name of await fs.readdir(path.join(out, 'images', folder))) if (name.startsWith('.')) left.push(`images/${folder}/${name}`);
  }
  for (const name of await fs.readdir(path.join(out, '.recaption-import', 'units')).catch(() => [])) if (name.startsWith('.')) left.push(`.recaption-import/units/${name}`);
  for (const name of await fs.readdir(out).catch(() => [])) if (name.startsWith('.') && name !== '.recaption-import') left.push(name);
  return left;
}

/** The manifest's records without mtime_ms (a re-written image has another), or null when there is none or it does not parse. */
async function importedRecords(out: string): Promise<string | null> {
  const text = await fs.readFile(path.join(out, MANIFEST_NAME), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return text
      .trimEnd()
      .split('\n')
      .map((line) => {
        const { mtime_ms: _mtime, ...rest } = JSON.parse(line) as ManifestRecord;
        return JSON.stringify(rest);
      })
      .join('\n');
  } catch {
    return 'unreadable';
  }
}

interface ImportReference {
  source: string;
  images: Map<string, string>;
  records: string;
  totalMs: number;
  readingMs: number;
  manifestMs: number;
}

async function importSources(work: string): Promise<Record<'parquet' | 'webdataset', string>> {
  const images: TestImage[] = await makeImages(IMPORT_IMAGES);
  const captions = images.map((_, i) => (i % 7 === 3 ? null : `caption ${i}`));
  const parquet = path.join(work, 'train.parquet');
  await writeParquet(parquet, hfColumns(images, captions), { rowGroupSize: 50 });
  const shards = path.join(work, 'shards');
  await fs.mkdir(shards);
  const third = Math.ceil(images.length / 3);
  for (let s = 0; s < 3; s++) {
    const members = images.slice(s * third, (s + 1) * third).flatMap((img, i) => {
      const key = `s${s}-${String(i).padStart(5, '0')}`;
      const caption = captions[s * third + i];
      return [{ name: `${key}.${img.format === 'jpeg' ? 'jpg' : img.format}`, data: img.bytes }, ...(caption ? [{ name: `${key}.txt`, data: caption }] : [])];
    });
    await writeTar(path.join(shards, `shard-${s}.tar`), members);
  }
  return { parquet, webdataset: shards };
}

export async function importTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('import');
  const random = seededRandom(seed);
  const work = await makeTempDir('recaption-kill-import-');
  const child = path.join(__dirname, 'import-trial-child.ts');
  const runImport = (source: string, out: string, kill?: { afterMs: number; trigger?: string }) => run([child, source, out], kill);
  try {
    const sources = await importSources(work);
    const references = new Map<string, ImportReference>();
    for (const [format, source] of Object.entries(sources)) {
      const out = path.join(work, `ref-${format}`);
      const timing = await runImport(source, out);
      if (timing.code !== 0) throw new Error(`reference import of ${format} failed: ${timing.stderr}`);
      const images = new Map([...(await importedImages(out))].map(([rel, f]) => [rel, f.sha256]));
      const at = (mark: string) => timing.marks.get(mark) ?? 0;
      references.set(format, {
        source,
        images,
        records: (await importedRecords(out))!,
        totalMs: timing.ms,
        readingMs: Math.max(5, at('manifest') - at('reading')),
        manifestMs: Math.max(5, at('done') - at('manifest')),
      });
    }
    for (let i = 0; i < count; i++) {
      const format = i % 2 === 0 ? 'parquet' : 'webdataset';
      const ref = references.get(format)!;
      t.trials++;
      const label = `import trial ${i} (seed ${seed}, ${format})`;
      const before = { torn: t.torn, lost: t.lost, stranded: t.stranded, leftovers: t.leftovers };
      const out = path.join(work, `trial-${i}`);
      // Half the kills land while images are written, a quarter while the manifest is made, a quarter anywhere.
      const aim = random();
      const kill =
        aim < 0.5
          ? { afterMs: random() * ref.readingMs, trigger: 'reading' }
          : aim < 0.75
            ? { afterMs: random() * ref.manifestMs * 1.5, trigger: 'manifest' }
            : { afterMs: random() * ref.totalMs };
      const killed = await runImport(ref.source, out, kill);
      if (killed.signal === 'SIGKILL') t.killedMidway++;

      // As found after the kill: every image a finished unit records is whole; a published folder holds
      // all of its file's images, whole; a manifest, if there is one, is the whole manifest.
      const found = await importedImages(out);
      for (const unitFile of await fs.readdir(path.join(out, '.recaption-import', 'units')).catch(() => [])) {
        if (unitFile.startsWith('.')) continue;
        const unit = await readUnit(out, unitFile.replace(/\.jsonl$/, ''));
        for (const entry of unit?.entries ?? []) {
          const image = found.get(entry.file_name);
          if (image?.sha256 !== ref.images.get(entry.file_name) || entry.scanned?.sha256 !== image?.sha256) {
            fail(t, 'torn', label, `${entry.file_name}, recorded as finished, is ${image ? 'not the image' : 'missing'}`);
          }
        }
      }
      for (const folder of await fs.readdir(path.join(out, 'images')).catch(() => [])) {
        if (folder.startsWith('.')) continue;
        const expected = [...ref.images.keys()].filter((rel) => rel.startsWith(`images/${folder}/`));
        const whole = expected.filter((rel) => found.get(rel)?.sha256 === ref.images.get(rel));
        if (whole.length !== expected.length) fail(t, 'torn', label, `images/${folder} was published with ${whole.length} of its ${expected.length} images whole`);
      }
      const records = await importedRecords(out);
      if (records !== null && records !== ref.records) fail(t, 'torn', label, 'the manifest after the kill is not the whole manifest');

      // The user runs the same import again: it finishes, rewrites no image that was already whole, and
      // leaves the folder an uninterrupted import leaves.
      const again = await runImport(ref.source, out);
      if (again.code !== 0) {
        fail(t, 'stranded', label, again.stderr.trim().split('\n').pop() ?? '');
      } else {
        const after = await importedImages(out);
        const wrong = [...ref.images].filter(([rel, sha]) => after.get(rel)?.sha256 !== sha);
        if (wrong.length || after.size !== ref.images.size) fail(t, 'torn', label, `after the re-run: ${wrong.length} images missing or not whole, ${after.size} of ${ref.images.size} there`);
        if ((await importedRecords(out)) !== ref.records) fail(t, 'torn', label, 'after the re-run: the manifest is not what an uninterrupted import writes');
        const rewritten = [...found].filter(([rel, f]) => f.sha256 === ref.images.get(rel) && (after.get(rel)?.ino !== f.ino || after.get(rel)?.mtimeMs !== f.mtimeMs));
        if (rewritten.length) fail(t, 'lost', label, `the re-run rewrote ${rewritten.length} images that were already whole (${rewritten[0]![0]})`);
        const left = await importLeftovers(out);
        if (left.length) fail(t, 'leftovers', label, left.join(', '));
      }
      const row = (t.bySetup[format] ??= { trials: 0, torn: 0, lost: 0, stranded: 0, leftovers: 0 });
      row.trials++;
      for (const k of ['torn', 'lost', 'stranded', 'leftovers'] as const) row[k] += t[k] > before[k] ? 1 : 0;
      await removeDir(out);
    }
  } finally {
    await removeDir(work);
  }
  return t;
}

export const TRIALS: Record<TrialKind, (count: number, seed: number) => Promise<TrialTally>> = {
  export: exportTrials,
  save: saveTrials,
  caption: captionTrials,
  merge: mergeTrials,
  import: importTrials,
};

// Randomized kill -9 trials: a real child process (export, manifest save, captioning run, shard merge) is
// killed at a seeded random moment, then the folder is checked as the user would find it, then the same
// command is run again as the user would, and checked once more. Counted per trial:
// - torn: a file under a final name that is not whole (a manifest that does not parse, an export.json
//   that claims files which are missing or not the ones it describes);
// - lost: a person's caption, or a file the user put there, gone or changed;
// - stranded: the re-run fails, so the user would have to repair the folder by hand;
// - leftovers: a temp or staging file still there after the re-run.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { approvedImages, makeDataset } from '../unit/export-fixture.js';
import { makeTempDir, removeDir, writeImage } from './temp-dataset.js';

export type TrialKind = 'export' | 'save' | 'caption' | 'merge';
export const TRIAL_KINDS: readonly TrialKind[] = ['export', 'save', 'caption', 'merge'];

export interface TrialTally {
  kind: TrialKind;
  trials: number;
  /** Trials whose kill landed before the command finished (the others found it already done). */
  killedMidway: number;
  torn: number;
  lost: number;
  stranded: number;
  leftovers: number;
  /** One line per bad trial, with its seed, so it can be replayed. */
  failures: string[];
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

async function sizes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('.') || name === 'export.json' || name === 'notes.txt') continue;
    out.set(name, (await fs.stat(path.join(dir, name))).size);
  }
  return out;
}

function tally(kind: TrialKind): TrialTally {
  return { kind, trials: 0, killedMidway: 0, torn: 0, lost: 0, stranded: 0, leftovers: 0, failures: [] };
}

function fail(t: TrialTally, what: 'torn' | 'lost' | 'stranded' | 'leftovers', trial: string, detail: string): void {
  t[what]++;
  t.failures.push(`${trial}: ${what}: ${detail}`);
}

// ---- export: an earlier export in the folder, a forced export over it killed at any moment ----

export async function exportTrials(count: number, seed: number): Promise<TrialTally> {
  const t = tally('export');
  const random = seededRandom(seed);
  const store = await makeDataset(approvedImages(160));
  const work = await makeTempDir('recaption-kill-export-');
  try {
    // References: the earlier export (A: SSC, one image per shard) and the one that replaces it (B: DSC, two).
    const refA = path.join(work, 'ref-a');
    const refB = path.join(work, 'ref-b');
    const a = await run([path.join(__dirname, 'export-child.ts'), store.folder, refA, 'ssc', '1']);
    const b = await run([path.join(__dirname, 'export-child.ts'), store.folder, refB, 'dsc', '2']);
    if (a.code !== 0 || b.code !== 0) throw new Error(`reference exports failed: ${a.stderr}${b.stderr}`);
    const sizesA = await sizes(refA);
    const sizesB = await sizes(refB);
    // Measure how long the commit takes, so that half the kills land inside it.
    const timing = await run([path.join(__dirname, 'export-child.ts'), store.folder, refB, 'dsc', '2']);
    const commitMs = Math.max(5, (timing.marks.get('done') ?? 0) - (timing.marks.get('finishing') ?? 0));

    for (let i = 0; i < count; i++) {
      t.trials++;
      const label = `export trial ${i} (seed ${seed})`;
      const out = path.join(work, `out-${i}`);
      await fs.cp(refA, out, { recursive: true });
      await fs.writeFile(path.join(out, 'notes.txt'), 'the user\'s own file');
      const inCommit = random() < 0.5;
      const afterMs = inCommit ? random() * commitMs * 1.5 : random() * timing.ms;
      const killed = await run([path.join(__dirname, 'export-child.ts'), store.folder, out, 'dsc', '2'], { afterMs, trigger: inCommit ? 'finishing' : undefined });
      if (killed.signal === 'SIGKILL') t.killedMidway++;
      // As found after the kill: an export.json must describe exactly what is there.
      const recordText = await fs.readFile(path.join(out, 'export.json'), 'utf8').catch(() => null);
      if (recordText !== null) {
        let record: { profile?: string; outputs?: string[] } = {};
        try {
          record = JSON.parse(recordText) as typeof record;
        } catch {
          fail(t, 'torn', label, 'export.json does not parse');
        }
        const ref = record.profile === 'ssc' ? sizesA : sizesB;
        const present = await sizes(out);
        const wrong = [...ref].filter(([name, size]) => present.get(name) !== size).map(([n]) => n);
        const extra = [...present.keys()].filter((n) => !ref.has(n));
        if (wrong.length || extra.length || (record.outputs ?? []).length !== ref.size) {
          fail(t, 'torn', label, `export.json (${record.profile}) claims ${ref.size} files; ${wrong.length} missing or different, ${extra.length} not its own`);
        }
      }
      if ((await fs.readFile(path.join(out, 'notes.txt'), 'utf8').catch(() => '')) !== 'the user\'s own file') fail(t, 'lost', label, 'notes.txt');
      // The user runs the export again.
      const again = await run([path.join(__dirname, 'export-child.ts'), store.folder, out, 'dsc', '2']);
      if (again.code !== 0) {
        fail(t, 'stranded', label, again.stderr.trim().split('\n').pop() ?? '');
        continue;
      }
      const after = await sizes(out);
      const mismatch = [...sizesB].filter(([n, s]) => after.get(n) !== s).length + [...after.keys()].filter((n) => !sizesB.has(n)).length;
      if (mismatch) fail(t, 'torn', label, `after the re-run, ${mismatch} files differ from a clean export`);
      const left = await dotEntries(out);
      if (left.length) fail(t, 'leftovers', label, left.join(', '));
      if ((await fs.readFile(path.join(out, 'notes.txt'), 'utf8').catch(() => '')) !== 'the user\'s own file') fail(t, 'lost', label, 'notes.txt after the re-run');
      await removeDir(out);
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

export const TRIALS: Record<TrialKind, (count: number, seed: number) => Promise<TrialTally>> = {
  export: exportTrials,
  save: saveTrials,
  caption: captionTrials,
  merge: mergeTrials,
};

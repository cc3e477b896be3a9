// One step of the manifest-scale table (the caption document issue's targets), run in its own process by
// bench/run.ts on a generated manifest without images (scripts/lib/synthetic-manifest.ts). Each step
// reports its time and the process's RSS growth over the floor measured before the step's own work.
// Steps: open (the full index: counts and every filter available), page (100 records from the middle),
// filter (review state, then author, each with counts), search (a literal over every caption, then a regex),
// save-edits (1,000 human edits in the edit model, then save: atomic and streamed), bulk-review (approve
// every caption as one edit, as Ctrl+A and Approve do in the editor; undo, redo, save), stats (what
// `recaption stats --json` does), merge (a shard manifest that updates every record), report (the caption
// habit report), export:<format> (captions only).
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { streamManifestFile } from '../../src/core/dataset/manifest-stream.js';
import { QueryIndex, type SearchableRecords } from '../../src/core/dataset/query-index.js';
import { PatternSandbox } from '../../src/core/dataset/pattern-sandbox.js';
import { patternSpec } from '../../src/core/dataset/pattern-jobs.js';
import { Worker } from 'node:worker_threads';
import { mergeShards } from '../../src/core/dataset/merge.js';
import { shardManifestName } from '../../src/core/dataset/shard.js';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { computeHabitReport } from '../../src/core/analysis/habit-report.js';
import { streamStatsReport } from '../../src/core/analysis/stats-report.js';
import { exportFineTuneSet, type ExportFormat } from '../../src/core/export/index.js';
import { EMPTY_QUERY, type RecordQuery } from '../../src/shared/record-query.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { childMain } from '../lib/child.js';

export interface ManifestStepArgs {
  step: string;
  folder: string;
}

export interface ManifestStepResult {
  step: string;
  records: number;
  /** The measured operation alone (after the open it needs, for steps other than open). */
  seconds: number;
  /** RSS growth over the process floor (modules loaded, nothing read), MiB: at the end and at the peak. */
  rssGrowthMiB: number;
  peakGrowthMiB: number;
  /** A folder the step wrote, removed by the parent once the step's process has ended. */
  leftover?: string;
  detail: Record<string, number | string>;
}

const PAGE = 100;
const EDITS = 1000;

const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;

/** What a step opened stays referenced until its RSS is read: an editor holds its document open. */
let _held: unknown = null;

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** Samples RSS while work runs (getrusage's peak covers the whole process, floor included). */
function peakSampler(): { stop(): number } {
  let peak = rssMiB();
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB());
    },
  };
}

interface Measured {
  seconds: number;
  records: number;
  detail: Record<string, number | string>;
  /** A folder the step wrote for the parent to remove. */
  leftover?: string;
}

async function measure(step: string, folder: string): Promise<Measured> {
  const file = path.join(folder, MANIFEST_NAME);
  if (step === 'open') {
    const { value, seconds } = await timed(() => ManifestStore.open(folder));
    _held = value;
    const counts = await timed(() => value.counts());
    return { seconds, records: value.size, detail: { countsMs: counts.seconds * 1000, approved: counts.value.approved } };
  }
  if (step === 'stats') {
    const { value, seconds } = await timed(() => streamStatsReport(file));
    return { seconds, records: value.report.images, detail: { reviewed: value.report.reviewed, flagged: value.report.flagged } };
  }
  if (step === 'save-edits') {
    // On a copy, so every run edits and saves the same generated manifest.
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-bench-save-'));
    try {
      await fs.copyFile(file, path.join(copy, MANIFEST_NAME));
      return await saveAfterEdits(path.join(copy, MANIFEST_NAME));
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  }
  if (step === 'bulk-review') {
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-bench-bulk-'));
    try {
      await fs.copyFile(file, path.join(copy, MANIFEST_NAME));
      return await bulkReview(path.join(copy, MANIFEST_NAME));
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  }
  if (step === 'merge') {
    // A sharded run's result: one shard manifest in which every record's DSC is newer than the main one's.
    const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-bench-merge-'));
    try {
      await fs.copyFile(file, path.join(copy, MANIFEST_NAME));
      await writeNewerShard(file, path.join(copy, shardManifestName({ index: 0, count: 1 })));
      const { value, seconds } = await timed(() => mergeShards(copy));
      return { seconds, records: value.shards[0]?.records ?? 0, detail: { updated: value.updated, conflicts: value.conflicts.length } };
    } finally {
      await fs.rm(copy, { recursive: true, force: true });
    }
  }
  const store = await ManifestStore.open(folder);
  _held = store;
  if (step === 'report') {
    const { value, seconds } = await timed(() => computeHabitReport(store));
    return { seconds, records: value.records, detail: { flags: value.flags.length } };
  }
  const index = new QueryIndex();
  const page = (query: RecordQuery, offset: number) => {
    const total = index.total(store, 0, query);
    const names = store.names();
    const out = [];
    for (let i = offset; i < Math.min(total, offset + PAGE); i++) out.push(store.get(names[index.positionAt(store, 0, query, i)]!)!);
    return { total, page: out.length };
  };
  if (step === 'page') {
    const middle = Math.floor(store.size / 2);
    const { value, seconds } = await timed(() => page(EMPTY_QUERY, middle));
    const again = await timed(() => page(EMPTY_QUERY, middle + PAGE));
    return { seconds, records: store.size, detail: { pageRecords: value.page, nextPageMs: again.seconds * 1000 } };
  }
  if (step === 'filter') {
    const review = await timed(() => ({ ...page({ ...EMPTY_QUERY, review: 'approved' }, 0), counts: store.counts() }));
    const author = await timed(() => page({ ...EMPTY_QUERY, author: 'human', field: 'dsc' }, 0));
    return { seconds: Math.max(review.seconds, author.seconds), records: store.size, detail: { reviewMs: review.seconds * 1000, approved: review.value.total, authorMs: author.seconds * 1000, human: author.value.total } };
  }
  if (step === 'search') {
    // A phrase in one record in 97 (the generator's object numbers), and a regex for the same records, run
    // as the editor runs it: in the pattern worker, a batch of lines at a time. The longest stall of this
    // thread's event loop is measured during each (the extension host's, in the editor).
    const stalled = async <T>(work: () => Promise<T> | T) => {
      let last = performance.now();
      let maxStallMs = 0;
      const tick = () => {
        const now = performance.now();
        maxStallMs = Math.max(maxStallMs, now - last);
        last = now;
      };
      const timer = setInterval(tick, 5);
      const result = await timed(work);
      await new Promise((resolve) => setTimeout(resolve, 20));
      clearInterval(timer);
      tick();
      return { ...result, maxStallMs };
    };
    const literal = await stalled(() => page({ ...EMPTY_QUERY, text: 'Object 42 resting' }, 0));
    const regexQuery = { ...EMPTY_QUERY, text: 'object 42 rest(s|ing)', regex: true };
    const patterns = new PatternSandbox((workerData) => new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.resolve(__dirname, '../../src/core/dataset/pattern-worker.ts'))});`, { eval: true, workerData }));
    const searchable: SearchableRecords = { generation: 0, names: () => store.names(), matchPositions: (q) => store.matchPositions(q), factsAt: (p) => store.factsAt(p), ordered: (p, o) => store.ordered(p, o), searchPositions: (q, r, signal) => store.searchPositions(q, r, undefined, signal) };
    await patterns.test({ op: 'test', pattern: patternSpec('warm', true, false), groups: [['the worker started']] });
    const regex = await stalled(async () => {
      await index.prepare(searchable, regexQuery, patterns);
      return page(regexQuery, 0);
    });
    patterns.dispose();
    return {
      seconds: literal.seconds,
      records: store.size,
      detail: { matches: literal.value.total, literalMaxStallMs: literal.maxStallMs, regexSeconds: regex.seconds, regexMatches: regex.value.total, regexMaxStallMs: regex.maxStallMs },
    };
  }
  if (step.startsWith('export:')) {
    const format = step.slice('export:'.length) as ExportFormat;
    const out = await fs.mkdtemp(path.join(os.tmpdir(), `recaption-bench-export-${format}-`));
    // The parent removes the output after this process ends: deleting a million files costs memory of its own.
    const { value, seconds } = await timed(() => exportFineTuneSet({ store, out, profile: 't2i', format, images: 'none', seed: 1, select: 'unrejected' }));
    return { seconds, records: store.size, detail: { exported: value.record.counts.total }, leftover: out };
  }
  throw new Error(`unknown step ${step}`);
}

/** The manifest with every DSC rewritten a day later, as a shard job would have captioned it again. */
async function writeNewerShard(from: string, to: string): Promise<void> {
  const out = createWriteStream(to);
  const later = new Date(Date.now() + 86_400_000).toISOString();
  await streamManifestFile(from, (record) => {
    const line = serializeRecord({ ...record, dsc: record.dsc && { ...record.dsc, text: `${record.dsc.text} Again.`, at: later } }) + '\n';
    out.write(line);
  });
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function saveAfterEdits(file: string): Promise<{ seconds: number; records: number; detail: Record<string, number | string> }> {
  const model = await CaptionEditModel.open(file);
  _held = model;
  await model.ready;
  const names = model.names();
  const stride = Math.max(1, Math.floor(names.length / EDITS));
  for (let i = 0; i < EDITS; i++) model.edit('bench', (e) => e.writeHumanCaption(names[i * stride]!, 'dsc', `edited by the bench, number ${i}`));
  const { seconds } = await timed(() => model.save());
  const bytes = (await fs.stat(file)).size;
  model.dispose();
  return { seconds, records: names.length, detail: { edits: EDITS, MB: bytes / 1e6 } };
}

/** Approves every caption in one edit (Ctrl+A, Approve), undoes and redoes it, saves. */
async function bulkReview(file: string): Promise<{ seconds: number; records: number; detail: Record<string, number | string> }> {
  const model = await CaptionEditModel.open(file);
  _held = model;
  await model.ready;
  const rssOpen = rssMiB();
  let edit: { undo(): void; redo(): void } | null = null;
  model.onDidEdit((e) => (edit = e));
  const rows = Int32Array.from({ length: model.size }, (_, i) => i);
  const { value, seconds } = await timed(() => model.reviewMany('bench', rows, ['ssc', 'dsc'], 'approved'));
  const rssBulk = rssMiB();
  const undo = await timed(() => edit!.undo());
  const redo = await timed(() => edit!.redo());
  const save = await timed(() => model.save());
  const held = model.heldRecords;
  const approved = model.getCounts().approved;
  const records = model.size;
  model.dispose();
  return {
    seconds,
    records,
    detail: { changed: value.changed, kept: value.kept, undoSeconds: undo.seconds, redoSeconds: redo.seconds, saveSeconds: save.seconds, heldAfterSave: held, approved, bulkRssOverOpenMiB: rssBulk - rssOpen },
  };
}

async function run(args: ManifestStepArgs): Promise<ManifestStepResult> {
  global.gc?.();
  const floor = rssMiB();
  const sampler = peakSampler();
  let measured: Awaited<ReturnType<typeof measure>>;
  try {
    measured = await measure(args.step, args.folder);
  } finally {
    sampler.stop();
  }
  const { seconds, records, detail } = measured;
  const peak = sampler.stop();
  global.gc?.();
  const growth = rssMiB() - floor;
  _held = null;
  return { step: args.step, records, seconds, rssGrowthMiB: growth, leftover: measured.leftover, peakGrowthMiB: peak - floor, detail };
}

childMain(run);

// One dataset-scale step, run in its own process by bench/run.ts (see lib/child.ts): time and peak RSS.
// Steps: idle (the process with the modules loaded: the RSS floor), scan (first scan of the image folder,
// no manifest), rescan (nothing changed), load, save, stats, stats-stream (what `recaption stats` does: the
// file counted as it streams, nothing loaded), page (one editor page fetch, host side),
// export:<format> (captions only; bench/export-bench.ts measures image copying).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { streamManifestFile } from '../../src/core/dataset/manifest-stream.js';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { computeStats, StatsCounter } from '../../src/core/dataset/stats.js';
import { exportFineTuneSet, type ExportFormat } from '../../src/core/export/index.js';
import { QueryIndex } from '../../src/core/dataset/query-index.js';
import { EMPTY_QUERY, type RecordQuery } from '../../src/shared/protocol.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { childMain } from '../lib/child.js';
import { SCALE_MANIFEST } from '../lib/scale-dataset.js';

export interface StepArgs {
  step: string;
  folder: string;
}

export interface StepResult {
  step: string;
  /** The measured operation alone (not the process start or the manifest load a step needs first). */
  seconds: number;
  /** Extra facts per step (records, counts, output size). */
  detail: Record<string, number | string>;
}

const PAGE = 100;

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

async function load(folder: string): Promise<ManifestStore> {
  return ManifestStore.open(folder, SCALE_MANIFEST);
}

/**
 * The editor's page request on the host (caption-editor-provider.ts `page`): the query index (core's
 * QueryIndex, the editor's own) filters every record once, then a page of records is sliced; plus the
 * header counts the editor shows. The webview view model and thumbnails are left out (they need VS Code).
 */
function pageFetch(store: ManifestStore, query: RecordQuery, offset: number): { total: number; records: number } {
  const index = new QueryIndex();
  const total = index.total(store, 0, query);
  const names = store.names();
  const page: unknown[] = [];
  for (let i = offset; i < Math.min(total, offset + PAGE); i++) page.push(store.get(names[index.positionAt(store, 0, query, i)]!)!);
  return { total, records: page.length };
}

async function run(args: StepArgs): Promise<StepResult> {
  const { step, folder } = args;
  if (step === 'idle') return { step, seconds: 0, detail: {} };
  if (step === 'scan' || step === 'rescan') {
    if (step === 'scan') await fs.rm(path.join(folder, MANIFEST_NAME), { force: true });
    const { value, seconds } = await timed(() => scanDataset(folder, { checkpointMs: 60_000 }));
    const r = value.report;
    return { step, seconds, detail: { images: r.images, added: r.added, unchanged: r.unchanged, errors: r.errors, msPerImage: (1000 * seconds) / r.images } };
  }
  if (step === 'load') {
    const { value, seconds } = await timed(() => load(folder));
    return { step, seconds, detail: { records: value.size, problems: value.problems.length } };
  }
  if (step === 'stats-stream') {
    const counter = new StatsCounter();
    const { value, seconds } = await timed(() => streamManifestFile(path.join(folder, SCALE_MANIFEST), (r) => counter.add(r)));
    const stats = counter.result(value.problems.length);
    return { step, seconds, detail: { images: stats.images, reviewed: stats.reviewed } };
  }
  const store = await load(folder);
  if (step === 'save') {
    const { seconds } = await timed(() => store.save());
    return { step, seconds, detail: { records: store.size, bytes: (await fs.stat(store.manifestPath)).size } };
  }
  if (step === 'stats') {
    const { value, seconds } = await timed(() => computeStats(store.records(), store.problems.length));
    return { step, seconds, detail: { images: value.images, reviewed: value.reviewed } };
  }
  if (step === 'page') {
    // The annotator's typical view: unreviewed captions mentioning a word, first page; then the header counts.
    const query: RecordQuery = { ...EMPTY_QUERY, review: 'unreviewed', text: 'harbour' };
    const { value, seconds } = await timed(() => pageFetch(store, query, 0));
    // The header counts as the editor gets them: from the index's columns.
    const counts = await timed(() => store.counts());
    return { step, seconds, detail: { matching: value.total, pageRecords: value.records, countsSeconds: counts.seconds } };
  }
  if (step.startsWith('export:')) {
    const format = step.slice('export:'.length) as ExportFormat;
    const out = await fs.mkdtemp(path.join(os.tmpdir(), `recaption-bench-export-${format}-`));
    try {
      // The same call as bench/export-bench.ts (t2i profile, seed 1), with images 'none': the export's own work.
      const { value, seconds } = await timed(() => exportFineTuneSet({ store, out, profile: 't2i', format, images: 'none', seed: 1 }));
      return { step, seconds, detail: { exported: value.record.counts.total } };
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  }
  throw new Error(`unknown step ${step}`);
}

childMain(run);

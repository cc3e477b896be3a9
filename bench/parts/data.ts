// The data part (issue 26): each bulk path of the CLI beside its physical floor, in one run, in alternating
// rounds. The paths run as the user runs them (dist/cli.js, `npm run build` first) and the floors as plain
// Node programs (lib/data-floors.ts), each a whole child process timed from spawn to exit: start-up is in
// both figures, nothing is subtracted. The figure is the ratio of the best times.
// Steps (run by bench/run.ts through lib/child.ts):
//   stats    `stats --json` (with the defect flags) and `stats --json --no-flags` on the n-record manifest; floor: parse every line
//   export   captions only (--images none) to hf, parquet, webdataset, llava, openai; floor: the parse plus
//            writing as many bytes as the export wrote to one file
//   sidecar  the sidecar export of an n/10-record manifest; floor: the same files, same sizes, 64 in flight
//   import   `import --no-phash` of a Parquet file and of WebDataset shards of the photos; floor: the same
//            image bytes written as files into a fresh folder
//   phash    `dedup` after `scan --no-phash` on the photos; floor: sharp to 32×32 grey, every core busy
//   editor   (opt-in: code-server) scripts/e2e-perf-250k.ts at n records beside 20: first row, host memory
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXPORT_FORMATS } from '../../src/core/export/types.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { alternatingRounds, best } from '../lib/alternating-rounds.js';
import { childMain } from '../lib/child.js';
import type { Comparison, DataArgs, DataResult, DataRow, DataStep } from '../lib/data-rows.js';
import { ensureDataManifest, type DataManifest } from '../lib/data-manifest.js';
import { bundleFloors } from '../lib/floor-bundle.js';
import { ensurePhotoSet, type PhotoSet } from '../lib/photo-set.js';
import { REPO, removeTree, runCli, runNodeProcess, type ProcessRun } from '../lib/whole-process.js';

const MiB = 2 ** 20;
const CAPTION_FORMATS = EXPORT_FORMATS.filter((f) => f !== 'sidecar');
/** The smaller manifest the editor row compares with (the issue's). */
const EDITOR_SMALL = 20;
const TSX = pathToFileURL(require.resolve('tsx')).href;

const log = (line: string) => process.stderr.write(`  ${line}\n`);

async function filesUnder(dir: string): Promise<{ rel: string; bytes: number }[]> {
  const out: { rel: string; bytes: number }[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({ rel: path.relative(dir, file), bytes: (await fs.stat(file)).size });
  }
  return out;
}

/** The newest file under src/ when it is newer than the CLI bundle: the CLI under test would be stale. */
async function staleSource(cli: string): Promise<string | null> {
  const built = (await fs.stat(cli)).mtimeMs;
  let newest: { file: string; at: number } | null = null;
  for (const entry of await fs.readdir(path.join(REPO, 'src'), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const at = (await fs.stat(file)).mtimeMs;
    if (at > built && (!newest || at > newest.at)) newest = { file, at };
  }
  return newest && path.relative(REPO, newest.file);
}

class DataBench {
  readonly rows: DataRow[] = [];
  readonly notes: string[] = [];
  private serial = 0;

  constructor(
    private readonly args: DataArgs,
    private readonly work: string,
    private readonly floors: string,
  ) {}

  /** A fresh folder name under the work folder (never reused within a run). */
  private fresh(name: string): string {
    return path.join(this.work, `${name}-${++this.serial}`);
  }

  private cli(args: string[]): Promise<ProcessRun> {
    return runCli(this.args.cli, args);
  }

  private async floor(args: string[]): Promise<number> {
    return (await runNodeProcess(this.floors, args)).seconds;
  }

  private row(step: DataStep, pathLabel: string, floorLabel: string, comparison: Comparison, runs: { path: number[]; floor: number[] }, load: [number, number]): void {
    this.rows.push({ step, path: pathLabel, floor: floorLabel, value: best(runs.path), floorValue: best(runs.floor), comparison, runs, load });
  }

  async stats(data: DataManifest): Promise<void> {
    const manifest = path.join(data.folder, MANIFEST_NAME);
    log(`stats: ${data.records.toLocaleString('en-US')} records, ${(data.manifestBytes / MiB).toFixed(0)} MiB`);
    const r = await alternatingRounds(
      this.args.rounds,
      [
        { name: 'parse floor', run: () => this.floor(['parse', manifest]) },
        { name: 'stats --json', run: async () => (await this.cli(['stats', data.folder, '--json'])).seconds },
        { name: 'stats --json --no-flags', run: async () => (await this.cli(['stats', data.folder, '--json', '--no-flags'])).seconds },
      ],
      log,
    );
    const floor = r.seconds['parse floor']!;
    const parse = 'stream the manifest, JSON.parse every line';
    this.row('stats', '`stats --json` (counts, defect flags, audit)', parse, { kind: 'time', max: 1.5 }, { path: r.seconds['stats --json']!, floor }, r.load);
    this.row('stats', '`stats --json --no-flags` (counts and audit)', parse, { kind: 'time', max: 1.5 }, { path: r.seconds['stats --json --no-flags']!, floor }, r.load);
  }

  async exports(data: DataManifest): Promise<void> {
    const manifest = path.join(data.folder, MANIFEST_NAME);
    for (const format of CAPTION_FORMATS) {
      log(`export ${format}, captions only`);
      let outputBytes = 0;
      const r = await alternatingRounds(
        this.args.rounds,
        [
          // First in round 1: the floor writes as many bytes as the export did.
          {
            name: `export ${format}`,
            run: async () => {
              const out = this.fresh(`export-${format}`);
              const { seconds } = await this.cli(['export', data.folder, '--profile', 't2i', '--format', format, '--images', 'none', '--select', 'unrejected', '--seed', '1', '--out', out]);
              outputBytes = (await filesUnder(out)).reduce((sum, f) => sum + f.bytes, 0);
              await removeTree(out);
              return seconds;
            },
          },
          {
            name: 'floor',
            run: async () => {
              const file = `${this.fresh(`floor-${format}`)}.bin`;
              const seconds = await this.floor(['parse-write', manifest, file, String(outputBytes)]);
              await fs.rm(file);
              return seconds;
            },
          },
        ],
        log,
      );
      this.row(
        'export',
        `export ${format}, captions only (${(outputBytes / MiB).toFixed(0)} MiB)`,
        `parse + write ${(outputBytes / MiB).toFixed(0)} MiB to one file, fsync`,
        { kind: 'time', max: 2 },
        { path: r.seconds[`export ${format}`]!, floor: r.seconds.floor! },
        r.load,
      );
    }
  }

  async sidecar(data: DataManifest): Promise<void> {
    log(`sidecar export: ${data.records.toLocaleString('en-US')} records`);
    const list = path.join(this.work, 'sidecar-files.tsv');
    let files = 0;
    // Each round's files are kept until the row is done: on an ext4 without a journal (this machine's) a
    // file created within minutes (up to five) of a deleted one skips every recently freed inode, and creating
    // 87,000 files right after removing the last round's took 25-45 s instead of 5.
    const made: string[] = [];
    const r = await alternatingRounds(
      this.args.rounds,
      [
        {
          // First in round 1: the floor creates the files this export made.
          name: 'export sidecar',
          run: async () => {
            const out = this.fresh('sidecar');
            const { seconds } = await this.cli(['export', data.folder, '--profile', 't2i', '--format', 'sidecar', '--images', 'none', '--select', 'unrejected', '--seed', '1', '--out', out]);
            const written = await filesUnder(out);
            files = written.length;
            await fs.writeFile(list, written.map((f) => `${f.rel}\t${f.bytes}\n`).join(''));
            made.push(out);
            return seconds;
          },
        },
        {
          name: 'floor',
          run: async () => {
            const out = this.fresh('sidecar-floor');
            const seconds = await this.floor(['files', list, out]);
            made.push(out);
            return seconds;
          },
        },
      ],
      log,
    );
    for (const out of made) await removeTree(out);
    this.row(
      'sidecar',
      `export sidecar, captions only, ${data.records.toLocaleString('en-US')} records (${files.toLocaleString('en-US')} files)`,
      'the same files and sizes, 64 writes in flight, one syncfs',
      { kind: 'time', max: 1.5 },
      { path: r.seconds['export sidecar']!, floor: r.seconds.floor! },
      r.load,
    );
  }

  async imports(photos: PhotoSet): Promise<void> {
    log(`import: ${photos.names.length} photos, ${(photos.imageBytes / MiB).toFixed(0)} MiB`);
    const importer = (source: string) => async () => {
      const out = this.fresh('import');
      const { seconds } = await this.cli(['import', source, '--out', out, '--no-phash', '--json']);
      await removeTree(out);
      return seconds;
    };
    const r = await alternatingRounds(
      this.args.rounds,
      [
        { name: 'import parquet', run: importer(photos.parquet) },
        {
          name: 'floor',
          run: async () => {
            const out = this.fresh('copy-floor');
            const seconds = await this.floor(['copy', photos.photos, out]);
            await removeTree(out);
            return seconds;
          },
        },
        { name: 'import webdataset', run: importer(photos.webdataset) },
      ],
      log,
    );
    const floor = `the same ${(photos.imageBytes / MiB).toFixed(0)} MiB of images written as files into a fresh folder`;
    const n = photos.names.length.toLocaleString('en-US');
    this.row('import', `import of a ${(photos.parquetBytes / MiB).toFixed(0)} MiB Parquet file of ${n} photos (--no-phash)`, floor, { kind: 'throughput', min: 0.5 }, { path: r.seconds['import parquet']!, floor: r.seconds.floor! }, r.load);
    this.row('import', `import of ${(photos.webdatasetBytes / MiB).toFixed(0)} MiB of WebDataset shards, the same photos (--no-phash)`, floor, { kind: 'throughput', min: 0.5 }, { path: r.seconds['import webdataset']!, floor: r.seconds.floor! }, r.load);
  }

  async phash(photos: PhotoSet): Promise<void> {
    log(`perceptual hashes: ${photos.names.length} photos`);
    const manifest = path.join(photos.photos, MANIFEST_NAME);
    const r = await alternatingRounds(
      this.args.rounds,
      [
        {
          name: 'dedup',
          run: async () => {
            // Every round starts from the scan without hashes.
            await fs.copyFile(photos.template, manifest);
            return (await this.cli(['dedup', photos.photos, '--json'])).seconds;
          },
        },
        { name: 'floor', run: () => this.floor(['decode', photos.photos]) },
      ],
      log,
    );
    this.row(
      'phash',
      `perceptual hashes: \`dedup\` after \`scan --no-phash\`, ${photos.names.length.toLocaleString('en-US')} 1024×768 JPEGs`,
      'sharp to 32×32 grey (JPEG shrink-on-load), two images per core in flight',
      { kind: 'time', max: 1.3 },
      { path: r.seconds.dedup!, floor: r.seconds.floor! },
      r.load,
    );
  }

  /**
   * The code-server measurement the project already has (scripts/e2e-perf-250k.ts), at n and at 20 records,
   * from the tree the CLI under test was built in (its packaged extension, its script).
   */
  async editor(records: number): Promise<void> {
    const tree = path.resolve(path.dirname(this.args.cli), '..');
    const vsixDir = path.join(tree, 'dist-vsix');
    const vsix = (await fs.readdir(vsixDir).catch(() => [] as string[])).find((f) => f.endsWith(`-${process.platform}-${process.arch}.vsix`));
    const built = (await fs.stat(path.join(tree, 'dist', 'extension.js'))).mtimeMs;
    if (!vsix || (await fs.stat(path.join(vsixDir, vsix))).mtimeMs < built) throw new Error(`editor step: no .vsix of the current build in ${vsixDir}; run \`npm run package\` first`);
    log(`editor: ${records.toLocaleString('en-US')} records beside ${EDITOR_SMALL}, in code-server`);
    const hostMB: Record<number, number[]> = { [records]: [], [EDITOR_SMALL]: [] };
    const open = (n: number) => async () => {
      await runNodeProcess(path.join(tree, 'scripts', 'e2e-perf-250k.ts'), [String(n)], { cwd: tree, nodeFlags: ['--import', TSX] });
      const result = JSON.parse(await fs.readFile(path.join(tree, 'test-artifacts', 'perf-250k.json'), 'utf8')) as {
        firstRowMs: number;
        fullyLoadedMs: number;
        scrollMiddleMs: number;
        endKeyMs: number;
        extensionHostRssMb: { afterOpen: number | null };
      };
      if (result.extensionHostRssMb.afterOpen === null) throw new Error('editor step: the extension host was not found');
      hostMB[n]!.push(result.extensionHostRssMb.afterOpen);
      if (n === records) this.notes.push(`editor at ${records.toLocaleString('en-US')}: first row ${result.firstRowMs} ms, whole manifest loaded ${result.fullyLoadedMs} ms, middle rows ${result.scrollMiddleMs} ms, last record (End) ${result.endKeyMs} ms`);
      return result.firstRowMs / 1000;
    };
    const r = await alternatingRounds(
      this.args.rounds,
      [
        { name: `${records} records`, run: open(records) },
        { name: `${EDITOR_SMALL} records`, run: open(EDITOR_SMALL) },
      ],
      log,
    );
    const big = `editor, ${records.toLocaleString('en-US')} records`;
    const small = `the same editor at ${EDITOR_SMALL} records`;
    this.row('editor', `${big}: first row`, small, { kind: 'later', maxSeconds: 1 }, { path: r.seconds[`${records} records`]!, floor: r.seconds[`${EDITOR_SMALL} records`]! }, r.load);
    this.row('editor', `${big}: extension host RSS after the open`, small, { kind: 'memory', maxMB: 300 }, { path: hostMB[records]!, floor: hostMB[EDITOR_SMALL]! }, r.load);
  }
}

async function run(args: DataArgs): Promise<DataResult> {
  await fs.stat(args.cli).catch(() => {
    throw new Error(`${args.cli} is missing: run \`npm run build\` first`);
  });
  const inRepo = args.cli.startsWith(REPO + path.sep);
  const cliName = inRepo ? path.relative(REPO, args.cli) : args.cli;
  const notes: string[] = [`CLI under test: ${cliName}`];
  const stale = inRepo ? await staleSource(args.cli) : null;
  if (stale) {
    notes.push(`${cliName} is older than ${stale}: the figures are of the last build (\`npm run build\` first)`);
    log(`warning: ${notes.at(-1)}`);
  }
  const has = (s: DataStep) => args.steps.includes(s);
  const progress = (label: string) => (done: number) => {
    if (done % 100_000 === 0) log(`${label}: generated ${done.toLocaleString('en-US')}`);
  };
  const data = has('stats') || has('export') ? await ensureDataManifest(path.join(args.outRoot, `data-${args.records}`), args.records, progress('manifest')) : null;
  if (data?.generatedSeconds != null) log(`manifest of ${args.records.toLocaleString('en-US')} records and image links generated in ${data.generatedSeconds.toFixed(0)} s`);
  const sidecarRecords = Math.max(1, Math.round(args.records / 10));
  const small = has('sidecar') ? await ensureDataManifest(path.join(args.outRoot, `data-${sidecarRecords}`), sidecarRecords, progress('sidecar manifest')) : null;
  const photos = has('import') || has('phash') ? await ensurePhotoSet(path.join(args.outRoot, `data-photos-${args.photos}`), args.photos, args.cli, log) : null;
  if (photos?.generatedSeconds != null) log(`photos generated in ${photos.generatedSeconds.toFixed(0)} s`);

  const work = path.join(args.outRoot, 'data-work');
  await removeTree(work);
  await fs.mkdir(work, { recursive: true });
  const bench = new DataBench(args, work, await bundleFloors(args.outRoot));
  try {
    if (data && has('stats')) await bench.stats(data);
    if (data && has('export')) await bench.exports(data);
    if (small) await bench.sidecar(small);
    if (photos && has('import')) await bench.imports(photos);
    if (photos && has('phash')) await bench.phash(photos);
    if (has('editor')) await bench.editor(args.records);
  } finally {
    await removeTree(work);
  }
  return {
    records: args.records,
    manifestMiB: (data?.manifestBytes ?? 0) / MiB,
    sidecarRecords,
    photos: args.photos,
    photoMiB: (photos?.imageBytes ?? 0) / MiB,
    parquetMiB: (photos?.parquetBytes ?? 0) / MiB,
    webdatasetMiB: (photos?.webdatasetBytes ?? 0) / MiB,
    rounds: args.rounds,
    rows: bench.rows,
    notes: [...notes, ...bench.notes],
  };
}

childMain(run);

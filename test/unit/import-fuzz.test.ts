// Fuzz tests of the import's two parsers of foreign files (Parquet, tar), through the import worker as an
// import uses it: valid files (hyparquet-writer's, DuckDB's in four codecs, hand-built v2 and dictionary pages, tar-stream's
// shards) are mutated (bytes set, 32-bit counts written, varints written, truncated, cut, duplicated), and
// every mutant must end in a valid result or one clear ImportError: a known code, one line, no JavaScript
// message, the file named; within CASE_MS each; and within the worker's heap of HEAP_MB (a case that needs
// more ends the worker: a failure here), the rest bounded by the small byte limits given. fast-check shrinks
// a failing case to its smallest mutation and prints the seed and path to replay it.
//
//   RECAPTION_FUZZ_RUNS=5000 npx tsx --test test/unit/import-fuzz.test.ts    thousands, on demand
//   RECAPTION_FUZZ_SEED=random                                                 other cases than CI's
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ImportError } from '../../src/core/import/import-errors.js';
import { ImportWorker } from '../../src/core/import/import-worker-client.js';
import type { SourceFile } from '../../src/core/import/source-files.js';
import { dictionaryRunParquet, v2Parquet } from '../support/hostile-files.js';
import { hfColumns, makeImages, writeDuckdbParquet, writeParquet, writeTar } from '../support/import-fixtures.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const RUNS = Number(process.env.RECAPTION_FUZZ_RUNS ?? 400);
const SEED = process.env.RECAPTION_FUZZ_SEED === 'random' ? undefined : Number(process.env.RECAPTION_FUZZ_SEED ?? 24);
const CASE_MS = 3000;
const HEAP_MB = 192;
const LIMITS = { maxImageBytes: 1 << 20, maxRowGroupBytes: 8 << 20 };
/** The codes a damaged file may end with; 'too-slow' (no progress) and running out of heap are failures. */
const CLEAR_CODES = new Set(['corrupt', 'truncated', 'not-parquet', 'bad-column', 'too-large', 'no-images', 'unsafe-member', 'duplicate-key', 'compressed']);
const RAW = /Invalid typed array length|outside the bounds|Invalid array length|\bNaN\b|undefined|is not a function|Cannot read prop|Maximum call stack|the reader (failed|stopped)|gunzipped/;

/** Where a mutation lands: `at` bytes from the start, or from the end (where a Parquet footer is). */
interface Place {
  at: number;
  fromEnd: boolean;
}
type Mutation = Place &
  (
    | { kind: 'set'; value: number }
    | { kind: 'int32'; value: number }
    | { kind: 'varint'; value: number }
    | { kind: 'truncate' }
    | { kind: 'cut'; length: number }
    | { kind: 'duplicate'; length: number }
  );

const INTERESTING = [0, 1, 2, 3, 7, 8, 15, 127, 128, 255, 256, 4096, 65535, 65536, 1 << 20, 1 << 24, 0x7fffffff, 0x80000000, 0xffffffff];
const at = fc.oneof(fc.nat({ max: 512 }), fc.nat({ max: 1 << 20 }));
const fromEnd = fc.boolean();
// In-place changes more often than ones that move the rest of the file (and so its footer).
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at, fromEnd, value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('int32' as const), at, fromEnd, value: fc.constantFrom(...INTERESTING) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('varint' as const), at, fromEnd, value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat()) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at, fromEnd }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at, fromEnd, length: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at, fromEnd, length: fc.integer({ min: 1, max: 64 }) }) },
);

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Buffer.from(seed);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const i = m.fromEnd ? bytes.length - 1 - (m.at % bytes.length) : m.at % bytes.length;
    switch (m.kind) {
      case 'set':
        bytes[i] = m.value;
        break;
      case 'int32':
        if (i + 4 <= bytes.length) bytes.writeUInt32LE(m.value >>> 0, i);
        break;
      case 'varint':
        Buffer.from(varint(m.value)).copy(bytes, i);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, i);
        break;
      case 'cut':
        bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + m.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, i + m.length), bytes.subarray(i)]);
        break;
    }
  }
  return bytes;
}

/**
 * The shard with each member header's checksum made right again, so that a mutation reaches what the
 * header says (names, sizes, types) instead of stopping at the checksum.
 */
function fixTarChecksums(input: Uint8Array): Uint8Array {
  const bytes = Buffer.from(input);
  for (let pos = 0; pos + 512 <= bytes.length; ) {
    const header = bytes.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    header.fill(0x20, 148, 156);
    const sum = header.reduce((n, b) => n + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) break;
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return bytes;
}

type Outcome = { rows: number } | { error: ImportError };

/** One worker for many cases, as an import uses it; a new one after a case ends it. */
class Reader {
  private worker: ImportWorker | null = null;
  private get live(): ImportWorker {
    if (!this.worker?.running) this.worker = new ImportWorker({ heapMb: HEAP_MB, stallMs: CASE_MS });
    return this.worker;
  }

  private async drain(worker: ImportWorker, what: string): Promise<number> {
    let rows = 0;
    for (;;) {
      const { batch } = await worker.request({ op: 'next' }, what);
      if (!batch) return rows;
      rows += batch.rows.length;
    }
  }

  async read(file: SourceFile, format: 'parquet' | 'tar'): Promise<Outcome> {
    const worker = this.live;
    try {
      let rows = 0;
      if (format === 'parquet') {
        const plan = await worker.request({ op: 'plan-parquet', file, named: {}, limits: LIMITS }, file.name);
        await worker.request({ op: 'open-row-groups', file, groups: plan.rowGroups, choice: plan.choice, limits: LIMITS }, file.name);
        rows += await this.drain(worker, file.name);
      } else {
        await worker.request({ op: 'plan-shard', file }, file.name);
        await worker.request({ op: 'open-shard', file, limits: LIMITS }, file.name);
        rows += await this.drain(worker, file.name);
      }
      return { rows };
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      return { error: err };
    } finally {
      if (worker.running) await worker.request({ op: 'close' }, file.name).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}

let dir = '';
let reader: Reader;
let parquetSeeds: Uint8Array[] = [];
let tarSeeds: Uint8Array[] = [];

before(async () => {
  dir = await makeTempDir('recaption-fuzz-');
  reader = new Reader();
  const images = await makeImages(3);
  const captions = ['a red square', 'a blue circle', 'ein grünes Dreieck'];
  const seedFile = path.join(dir, 'seed.parquet');
  await writeParquet(seedFile, hfColumns(images, captions), { rowGroupSize: 2 });
  const snappy = await fs.readFile(seedFile);
  await writeParquet(seedFile, [{ name: 'image', kind: 'binary', data: images.map((i) => i.bytes) }, { name: 'text', kind: 'string', data: captions }], { codec: 'UNCOMPRESSED' });
  const plain = await fs.readFile(seedFile);
  const duckdb: Uint8Array[] = [];
  for (const codec of ['zstd', 'gzip', 'brotli', 'lz4'] as const) {
    await writeDuckdbParquet(seedFile, images, captions, 2, codec);
    duckdb.push(await fs.readFile(seedFile));
  }
  parquetSeeds = [snappy, plain, ...duckdb, v2Parquet(images.map((i) => i.bytes)), await dictionaryRunParquet(4, 4)];
  const tarFile = path.join(dir, 'seed.tar');
  await writeTar(tarFile, [
    { name: 'a/000.png', data: images[0]!.bytes },
    { name: 'a/000.txt', data: 'a red square' },
    { name: 'a/001.jpg', data: images[1]!.bytes },
    { name: 'a/001.json', data: JSON.stringify({ caption: 'a blue circle' }) },
    { name: `b/${'long-name-'.repeat(12)}.png`, data: images[2]!.bytes },
  ]);
  tarSeeds = [await fs.readFile(tarFile)];
});

after(async () => {
  await reader.close();
  await removeDir(dir);
});

let cases = 0;
/** How the cases ended ("rows", or an error code): printed, so a run shows it reached the pages. */
let outcomes = new Map<string, number>();

function tally(what: string): void {
  outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
}

function summary(): string {
  const text = [...outcomes].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${n}`).join(', ');
  outcomes = new Map();
  return text;
}

async function checkCase(seeds: readonly Uint8Array[], seedIndex: number, mutations: readonly Mutation[], format: 'parquet' | 'tar'): Promise<void> {
  const name = `case-${++cases}.${format}`;
  const abs = path.join(dir, name);
  const mutated = mutate(seeds[seedIndex % seeds.length]!, mutations);
  // Half of the shards get their checksums fixed up (the other half test the checksum's refusal).
  const bytes = format === 'tar' && seedIndex % 2 === 0 ? fixTarChecksums(mutated) : mutated;
  await fs.writeFile(abs, bytes);
  const started = performance.now();
  const outcome = await reader.read({ abs, name, bytes: bytes.length }, format);
  const ms = performance.now() - started;
  await fs.rm(abs);
  assert.ok(ms < CASE_MS, `${name} took ${Math.round(ms)} ms`);
  if ('rows' in outcome) return tally('rows');
  const { code, message } = outcome.error;
  tally(`${code}${/ page \d+: /.test(message) ? ' (in a page)' : ''}`);
  assert.ok(CLEAR_CODES.has(code), `${name}: ${code}: ${message}`);
  assert.doesNotMatch(message, /\n/);
  assert.doesNotMatch(message, RAW, `${name}: ${message}`);
  assert.ok(message.startsWith(name), `${name}: the message names the file: ${message}`);
}

test('every seed, unmutated, reads whole: 3 rows (DuckDB\'s zstd, gzip, brotli and lz4 among them)', async () => {
  for (const [i, seed] of [...parquetSeeds.map((b) => [b, 'parquet'] as const), ...tarSeeds.map((b) => [b, 'tar'] as const)].entries()) {
    const name = `seed-${i}.${seed[1]}`;
    const abs = path.join(dir, name);
    await fs.writeFile(abs, seed[0]);
    const outcome = await reader.read({ abs, name, bytes: seed[0].length }, seed[1]);
    assert.ok('rows' in outcome, `${name}: ${'error' in outcome ? outcome.error.message : ''}`);
    // The hand-built dictionary seed has 4 rows, the others 3.
    assert.ok(outcome.rows === 3 || outcome.rows === 4, `${name}: ${outcome.rows} rows`);
  }
});

test(`Parquet: ${RUNS} mutated files each end in rows or one clear message, within ${CASE_MS} ms and a ${HEAP_MB} MB heap`, async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => checkCase(parquetSeeds, seed, mutations, 'parquet')),
    { numRuns: RUNS, seed: SEED, includeErrorInReport: true },
  );
  t.diagnostic(`outcomes: ${summary()}`);
  assert.ok(process.resourceUsage().maxRSS * 1024 < 1.5 * 2 ** 30, 'the whole run stayed under 1.5 GB');
});

test(`tar: ${RUNS} mutated shards each end in samples or one clear message, within ${CASE_MS} ms and a ${HEAP_MB} MB heap`, async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => checkCase(tarSeeds, seed, mutations, 'tar')),
    { numRuns: RUNS, seed: SEED, includeErrorInReport: true },
  );
  t.diagnostic(`outcomes: ${summary()}`);
  assert.ok(process.resourceUsage().maxRSS * 1024 < 1.5 * 2 ** 30, 'the whole run stayed under 1.5 GB');
});

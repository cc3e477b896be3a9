// A manifest file parsed by threads, range by range: the same records, in the same order, the same problem
// lines (with the file's line numbers), the same sha256 as saved and the same record estimate as the
// stream that parses on its own thread, whatever falls on a range's edge; a file out of order or cut short
// refused as that stream refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { ManifestFile } from '../../src/core/dataset/manifest-file.js';
import { ManifestChangedError } from '../../src/core/dataset/line-source.js';
import { BLOCK_BYTES, ManifestOrderError, ManifestRecordStream, type RecordStream } from '../../src/core/dataset/manifest-record-stream.js';
import { ParallelRecordStream } from '../../src/core/dataset/parallel-record-stream.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { tempDir } from './export-fixture.js';

/** Records of ~1 KB with every kind of field, some absent or null. */
function recordLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const record: ManifestRecord = { ...emptyRecord(`p${Math.floor(i / 400)}/${String(i).padStart(6, '0')}.jpg`), width: 64, height: i % 5 === 0 ? null : 48, sha256: i.toString(16).padStart(64, '0') };
    if (i % 3 !== 0) record.alt = { text: `alt ${i} — café`, source: 'sidecar', ...(i % 4 === 0 ? { score: 0.25 } : {}) };
    if (i % 6 !== 1) record.ssc = { text: `a short caption ${i}`, by: 'model', model: 'm/1', at: `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}.000Z`, review: i % 2 ? 'approved' : null };
    record.dsc = { text: `The image shows ${'a long description '.repeat(40)}${i}.`, by: i % 9 === 0 ? 'human' : 'model', review: i % 11 === 0 ? 'rejected' : null, ...(i % 13 === 0 ? { original: 'before', finish: 'length' as const } : {}) };
    if (i % 17 === 0) record.missing = true;
    if (i % 19 === 0) record.phash = 'ab'.repeat(8);
    if (i % 23 === 0) record.error = 'cannot decode';
    if (i % 29 === 0) (record as Record<string, unknown>).extra_field = { kept: [1, 2] };
    return serializeRecord(record);
  });
}

/** The lines with `put(line)` right after each line that crosses a range edge: the first line of every range but the first. */
function onEdges(lines: string[], rangeBytes: number, put: (crossing: string) => string): string[] {
  const out = [...lines];
  const starts: number[] = [];
  let at = 0;
  for (const line of out) {
    starts.push(at);
    at += Buffer.byteLength(line) + 1;
  }
  for (let edge = Math.floor(at / rangeBytes) * rangeBytes; edge > 0; edge -= rangeBytes) {
    const crossing = starts.findIndex((start, i) => start < edge && (starts[i + 1] ?? at) >= edge);
    if (crossing >= 0) out.splice(crossing + 1, 0, put(out[crossing]!));
  }
  return out;
}

interface Pass {
  records: ManifestRecord[];
  expected: number;
  end: ReturnType<RecordStream['end']>;
}

async function readAll(stream: RecordStream): Promise<Pass> {
  const records: ManifestRecord[] = [];
  try {
    for await (const batch of stream.batches()) records.push(...batch);
  } finally {
    stream.close();
  }
  return { records, expected: stream.expectedRecords, end: stream.end() };
}

const RANGE = BLOCK_BYTES;

async function bothWays(text: string | Buffer): Promise<{ one: Pass; threads: Pass; streams: string[] }> {
  const folder = await tempDir('parallel-stream');
  await fs.writeFile(path.join(folder, 'recaption.jsonl'), text);
  const single = new ManifestFile(folder, 'recaption.jsonl', { threads: 1 }).open()!;
  const parallel = new ManifestFile(folder, 'recaption.jsonl', { threads: 3, parallelFromBytes: 0, rangeBytes: RANGE }).open()!;
  const streams = [single.constructor.name, parallel.constructor.name];
  const one = await readAll(single);
  const threads = await readAll(parallel);
  await fs.rm(folder, { recursive: true, force: true });
  return { one, threads, streams };
}

function assertSame(r: { one: Pass; threads: Pass; streams: string[] }): void {
  assert.deepEqual(r.streams, [ManifestRecordStream.name, ParallelRecordStream.name]);
  assert.equal(r.threads.records.length, r.one.records.length);
  assert.deepEqual(r.threads.records, r.one.records);
  assert.deepEqual(r.threads.end, r.one.end);
  assert.equal(r.threads.expected, r.one.expected);
}

test('threads hand over the records, problems, sha256 and estimate of the one-thread stream, a later line of a name on every range edge', async () => {
  // A copy of the line that crosses an edge: a later line of a name straddles every edge.
  const good = onEdges(recordLines(2400), RANGE, (crossing) => crossing);
  // Problem lines spread through the file: not JSON, not a record, a name that is not safe.
  for (let i = good.length - 50; i > 0; i -= 397) good.splice(i, 0, i % 2 ? '{not json' : '{"file_name":"../up.png"}');
  const r = await bothWays(good.join('\n') + '\n');
  assert.ok(r.one.end.problems.filter((p) => /duplicate file_name/.test(p.message)).length >= 5, 'later lines of a name sit on the range edges');
  assert.ok(r.one.end.savedSha256, 'the bytes are as a save writes them');
  assert.ok(r.one.records.some((x) => 'extra_field' in x), 'a record with a field of another tool is among them');
  assertSame(r);
});

test('a problem line that starts a range is placed after the last record of the range before it', async () => {
  const r = await bothWays(onEdges(recordLines(2400), RANGE, () => '{not json').join('\n') + '\n');
  assert.ok(r.one.end.problems.length >= 5);
  assert.ok(r.one.end.problems.every((p) => p.after !== null));
  assertSame(r);
});

test('CRLF, a byte-order mark, blank lines and a last line with no line end read alike', async () => {
  const lines = recordLines(1500);
  assertSame(await bothWays(lines.join('\r\n') + '\r\n'));
  assertSame(await bothWays('\ufeff' + lines.join('\n')));
  const blanks = [...lines];
  blanks.splice(700, 0, '', '   ');
  assertSame(await bothWays(blanks.join('\n') + '\n'));
});

test('a file smaller than a range, and an empty one, read alike', async () => {
  assertSame(await bothWays(recordLines(40).join('\n') + '\n'));
  const empty = await bothWays('');
  assert.deepEqual(empty.threads.end, empty.one.end);
  assert.equal(empty.threads.records.length, 0);
});

test('a name out of order is refused by both, inside a range or on its edge', async () => {
  const lines = recordLines(1500);
  for (const at of [300, lines.findIndex((_, i) => lines.slice(0, i + 1).join('\n').length + 1 >= RANGE)]) {
    const swapped = [...lines];
    [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
    const folder = await tempDir('parallel-order');
    await fs.writeFile(path.join(folder, 'recaption.jsonl'), swapped.join('\n') + '\n');
    for (const options of [{ threads: 1 }, { threads: 2, parallelFromBytes: 0, rangeBytes: RANGE }]) {
      await assert.rejects(readAll(new ManifestFile(folder, 'recaption.jsonl', options).open()!), ManifestOrderError);
    }
    await fs.rm(folder, { recursive: true, force: true });
  }
});

/** Descriptors of this process (Linux) that point at `file`: the stream's own and any its threads still hold. */
async function descriptorsOf(file: string): Promise<number> {
  const links = await Promise.all((await fs.readdir('/proc/self/fd')).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((target) => target === file).length;
}

/** Threads this process runs (Linux). Earlier tests' threads may still be ending, so only growth is a leak. */
async function threadCount(): Promise<number> {
  return (await fs.readdir('/proc/self/task')).length;
}

test('a file cut short after it was opened is refused, and no thread is left reading it', async () => {
  const folder = await tempDir('parallel-short');
  const file = path.join(await fs.realpath(folder), 'recaption.jsonl'); // the path /proc shows
  await fs.writeFile(file, recordLines(1500).join('\n') + '\n');
  const threadsBefore = await threadCount();
  const stream = new ManifestFile(folder, 'recaption.jsonl', { threads: 2, parallelFromBytes: 0, rangeBytes: RANGE }).open()!;
  await fs.truncate(file, RANGE + 1000);
  await assert.rejects(readAll(stream), ManifestChangedError);
  // The file is closed only after every thread that reads it has ended.
  const deadline = Date.now() + 5000;
  const settled = async (): Promise<boolean> => (await descriptorsOf(file)) === 0 && (await threadCount()) <= threadsBefore;
  while (!(await settled()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await descriptorsOf(file), 0, 'the file was closed');
  assert.ok((await threadCount()) <= threadsBefore, 'the threads ended');
  await fs.rm(folder, { recursive: true, force: true });
});

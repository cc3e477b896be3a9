// An export's texts thread (texts-thread/): the card's facts measured there equal those gathered on one
// thread, for records of every shape (no alt-text, blank and non-ASCII texts, looping captions, scores and
// a scoring model, missing images), held in bounded chunks; the JSON lines it writes are byte for byte what
// the same line writer writes on this thread; a failed write surfaces with its code; and a thread given up
// ends without an answer and leaves no file open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CardFactsCollector } from '../../src/core/export/card/card-facts.js';
import { createLineWriter, createWriter, LINE_FORMATS, type LineFormat, type WriterContext } from '../../src/core/export/formats/index.js';
import { createWebDatasetWriter } from '../../src/core/export/formats/webdataset.js';
import { createParquetWriter } from '../../src/core/export/formats/parquet/parquet-writer.js';
import { ExportTexts } from '../../src/core/export/texts-thread/export-texts.js';
import { lineMark, readLineMark } from '../../src/core/export/texts-thread/texts-protocol.js';
import { sampleScore, type CaptionSource, type ExportSample, type Split } from '../../src/core/export/types.js';
import { CAPTION_AUTHORS, emptyRecord, type CaptionAuthor, type ManifestRecord } from '../../src/shared/record.js';
import { tempDir } from './export-fixture.js';

const LOOP = 'a red kite over the hill a red kite over the hill a red kite over the hill';

function record(i: number): ManifestRecord {
  const at = '2026-12-01T00:00:00.000Z';
  return {
    ...emptyRecord(`img/${String(i).padStart(5, '0')}.jpg`),
    width: i % 19 === 0 ? null : 64 + (i % 5),
    height: i % 19 === 0 ? null : 48,
    sha256: i % 11 === 0 ? null : (i * 2654435761).toString(16).padStart(64, '0'),
    ...(i % 97 === 0 ? { missing: true } : {}),
    ...(i % 3 === 0 ? { score_model: i % 2 ? 'clip-a' : 'clip-b' } : {}),
    alt: i % 5 === 0 ? null : { text: i % 7 === 0 ? '   ' : `alt ${i % 13} — café «ü» ${'word '.repeat(i % 9)}`, source: 'sidecar', ...(i % 4 === 0 ? { score: (i % 10) / 10 } : {}) },
    ssc: { text: i % 23 === 0 ? `a dog\u2028on "two"\tlines\x07 ${i}` : `a dog ${i % 11}`, by: i % 4 === 0 ? 'human' : 'model', at, review: i % 3 === 0 ? 'approved' : i % 3 === 1 ? 'rejected' : null, model: 'm' },
    dsc: i % 17 === 0 ? null : { text: i % 6 === 0 ? LOOP : `The image shows ${'a long description '.repeat(1 + (i % 40))}\\ 😀.`, by: 'model', at, review: null, model: 'm', ...(i % 2 === 0 ? { score: (i % 10) / 10 } : {}) },
  };
}

const TRAIN_DSC = { split: 'train', source: 'dsc', by: 'model', image: { width: null, height: null, sha256: null } } as const;

test("the card's facts with the texts measured on their own thread equal those gathered on one thread", async () => {
  const here = new CardFactsCollector();
  const texts = new ExportTexts(null, null);
  for (let i = 0; i < 10_000; i++) {
    here.add(record(i));
    await texts.add(record(i), TRAIN_DSC);
  }
  const expected = here.finish();
  assert.ok(expected.habit.sources.dsc.loops.count > 1000 && expected.habit.scoreModels.length === 2 && expected.habit.sources.alt.scores !== null, 'the records hit loops, scores and models');
  // A card counts the captions that loop, not which phrases loop (the thread is told so).
  assert.equal(expected.habit.sources.dsc.loops.top, null);
  assert.deepEqual(await texts.finish(), expected);
});

test('a line mark gives back the split, source and author it was made of, and no other number is one', () => {
  const marks = new Set<number>();
  for (const split of ['train', 'validation'] as Split[]) {
    for (const source of ['alt', 'ssc', 'dsc'] as CaptionSource[]) {
      for (const by of [null, ...CAPTION_AUTHORS]) {
        const mark = lineMark({ split, source, by });
        assert.deepEqual(readLineMark(mark), { split, source, by });
        marks.add(mark);
      }
    }
  }
  for (let mark = -2; mark < 1 << 8; mark++) if (!marks.has(mark)) assert.throws(() => readLineMark(mark), /not a line's mark/, `${mark}`);
  for (const bad of [1.5, Number.NaN, 2 ** 32 + 2, 2 ** 40]) assert.throws(() => readLineMark(bad), /not a line's mark/);
  assert.throws(() => lineMark({ split: 'train', source: 'dsc', by: 'someone' as CaptionAuthor }), /not a caption's author/);
});

/** The record's exported line as the pass would choose it: a source it has text for, a split, its caption's author, its image's facts. */
function lineOf(r: ManifestRecord, i: number): Pick<ExportSample, 'split' | 'source' | 'by' | 'image'> {
  const source: CaptionSource = r.alt && i % 4 === 1 ? 'alt' : r.dsc && i % 2 === 0 ? 'dsc' : 'ssc';
  const by = source === 'alt' ? null : r[source]!.by;
  return { split: i % 9 === 0 ? 'validation' : 'train', source, by, image: { width: r.width, height: r.height, sha256: r.sha256 } };
}

/** The sample of the record's line, as the pass makes it. */
function sampleOf(r: ManifestRecord, i: number): ExportSample {
  const line = lineOf(r, i);
  const caption = r[line.source]!;
  return { fileName: r.file_name, caption: caption.text, score: sampleScore(caption.score), lines: null, ...line };
}

/** Every file under `root`, by its path there, with its bytes. */
async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, file), await fs.readFile(file));
  }
  return files;
}

function contextAt(root: string, images: WriterContext['images'] = 'none'): WriterContext {
  return { root, images, prompt: 'Describe "this" image.\nIn detail.', shardSize: 1000, parquetShardBytes: 1 << 20, lines: false };
}

test('the lines written on the texts thread are the bytes the line writer writes on this thread, for every JSON-lines format', async () => {
  const folder = await tempDir('texts-lines');
  for (const format of LINE_FORMATS satisfies readonly LineFormat[]) {
    for (const images of ['none', 'copy'] as const) {
      const there = contextAt(path.join(folder, `${format}-${images}-thread`), images);
      const here = contextAt(path.join(folder, `${format}-${images}-here`), images);
      await fs.mkdir(there.root);
      await fs.mkdir(here.root);
      const texts = new ExportTexts({ seed: 1, records: 500 }, { format, context: there });
      const writer = createLineWriter(format, here);
      // Enough records for several chunks in flight and more than one 4 MB buffer of lines.
      for (let i = 0; i < 12_000; i++) {
        const r = record(i);
        const sample = sampleOf(r, i);
        await writer.add(sample);
        await texts.add(r, sample, 12_000);
      }
      await Promise.all([writer.close(), texts.finish()]);
      const expected = await filesUnder(here.root);
      assert.ok(expected.size >= 2, `${format}: both splits written`);
      assert.deepEqual(await filesUnder(there.root), expected, `${format}, images ${images}`);
    }
  }
  await fs.rm(folder, { recursive: true, force: true });
});

test('WebDataset shards of captions only written on the texts thread are the bytes the shard writer writes on this thread', async () => {
  const folder = await tempDir('texts-wds');
  const there = contextAt(path.join(folder, 'thread'));
  const here = contextAt(path.join(folder, 'here'));
  await fs.mkdir(there.root);
  await fs.mkdir(here.root);
  // On the export's own thread the format then only says where images would go.
  assert.equal(createWriter('webdataset', there).inlineImages, false);
  assert.equal(createWriter('webdataset', contextAt(there.root, 'copy')).inlineImages, true);
  const texts = new ExportTexts({ seed: 1, records: 500 }, { format: 'webdataset', context: there });
  const writer = createWebDatasetWriter(here);
  // Several shards (1000 samples each) of both splits, several chunks in flight.
  for (let i = 0; i < 12_000; i++) {
    const r = record(i);
    const sample = sampleOf(r, i);
    await writer.add(sample, null);
    await texts.add(r, sample, 12_000);
  }
  await Promise.all([writer.close(), texts.finish()]);
  const expected = await filesUnder(here.root);
  assert.ok(expected.size >= 12, `${expected.size} shards of both splits`);
  assert.deepEqual(await filesUnder(there.root), expected);
  await fs.rm(folder, { recursive: true, force: true });
});

test('Parquet shards of captions only written on the texts thread are the bytes its writer writes on this thread', async () => {
  const folder = await tempDir('texts-parquet');
  // Shards cut after every row group of 10,000 rows.
  const there = { ...contextAt(path.join(folder, 'thread')), parquetShardBytes: 64 << 10 };
  const here = { ...contextAt(path.join(folder, 'here')), parquetShardBytes: 64 << 10 };
  await fs.mkdir(there.root);
  await fs.mkdir(here.root);
  assert.equal(createWriter('parquet', there).inlineImages, false);
  assert.equal(createWriter('parquet', contextAt(there.root, 'copy')).inlineImages, true);
  const texts = new ExportTexts({ seed: 1, records: 500 }, { format: 'parquet', context: there });
  const writer = createParquetWriter(here);
  let authors = 0;
  let scores = 0;
  for (let i = 0; i < 25_000; i++) {
    const r = record(i);
    const sample = sampleOf(r, i);
    if (sample.by === 'human') authors++;
    if (sample.score !== null) scores++;
    await writer.add(sample, null);
    await texts.add(r, sample, 25_000);
  }
  await Promise.all([writer.close(), texts.finish()]);
  assert.ok(authors > 0 && scores > 0, 'the rows carry authors and scores');
  const expected = await filesUnder(here.root);
  assert.ok(expected.size >= 3, `${expected.size} shards of both splits`);
  assert.deepEqual(await filesUnder(there.root), expected);
  await fs.rm(folder, { recursive: true, force: true });
});

test("a line the thread cannot write fails the export's texts with the file system's code", async () => {
  const folder = await tempDir('texts-fail');
  // openai writes train.jsonl into the root, created only if it is not there: it is.
  await fs.writeFile(path.join(folder, 'train.jsonl'), 'in the way\n');
  const texts = new ExportTexts(null, { format: 'openai', context: contextAt(folder) });
  const failed = (async () => {
    for (let i = 0; i < 50_000; i++) await texts.add(record(i), lineOf(record(i), i));
    return texts.finish();
  })();
  await assert.rejects(failed, (err: NodeJS.ErrnoException) => err.code === 'EEXIST' && err.message.includes('train.jsonl'));
  await texts.stop();
  assert.equal(await fs.readFile(path.join(folder, 'train.jsonl'), 'utf8'), 'in the way\n');
  await fs.rm(folder, { recursive: true, force: true });
});

/** Descriptors of this process (Linux) that point under `folder`. */
async function descriptorsUnder(folder: string): Promise<number> {
  const links = await Promise.all((await fs.readdir('/proc/self/fd')).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((target) => target.startsWith(folder + path.sep)).length;
}

test('a texts thread given up ends without an answer, closes its files, and adding more after it fails at once', async () => {
  const folder = await fs.realpath(await tempDir('texts-stop'));
  const texts = new ExportTexts(null, { format: 'hf', context: contextAt(folder) });
  for (let i = 0; i < 3000; i++) await texts.add(record(i), lineOf(record(i), i));
  // The files are open on the thread until it is stopped.
  const deadline = Date.now() + 5000;
  while ((await descriptorsUnder(folder)) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok((await descriptorsUnder(folder)) > 0, 'the thread holds its files open');
  await texts.stop();
  assert.equal(await descriptorsUnder(folder), 0, 'no file is left open');
  // More than the chunks kept in flight: a caller that waited for a thread gone would never finish.
  assert.throws(() => {
    for (let i = 0; i < 40_000; i++) void texts.add(record(i), TRAIN_DSC);
  });
  await assert.rejects(texts.finish());
  await fs.rm(folder, { recursive: true, force: true });
});

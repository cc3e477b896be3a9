// Parquet export, read back by an independent reader (DuckDB): every row's image bytes, text and
// provenance, the Hugging Face layout and features, bounded shards, and the options Parquet refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { DuckDBBlobValue } from '@duckdb/node-api';
import { query } from '../support/duckdb-query.js';
import { exportFineTuneSet, ExportError } from '../../src/core/export/index.js';
import { addImages, approvedImages, makeDataset, tempDir } from './export-fixture.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { canMount, withTmpfs } from '../support/tmpfs.js';


const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sqlPath = (p: string) => `'${p.replace(/'/g, "''")}'`;

/** Noise images: they do not compress, so a few of them fill shards of a small bound. */
async function noiseImage(file: string, seed: number, side: number): Promise<void> {
  const pixels = Buffer.alloc(side * side * 3);
  let x = (seed + 1) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pixels[i] = x >>> 24;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toFile(file);
}

test('a Parquet export holds every exported image and caption, as DuckDB reads it back', async () => {
  const images = approvedImages(40);
  images[3]!.dscReview = 'rejected';
  const store = await makeDataset(images);
  store.setScores(images[5]!.fileName, 'test-scorer', { dsc: { text: images[5]!.dsc!, score: 0.3125 } });
  await store.save();
  const out = path.join(await tempDir('parquet-out'), 'set');
  const { record } = await exportFineTuneSet({ store, out, profile: 't2i', format: 'parquet', ratio: 0.7, validation: 0.2, seed: 3 });

  assert.ok(record.counts.validation > 0 && record.counts.train > 0, 'both splits have rows');
  assert.deepEqual((await fs.readdir(path.join(out, 'data'))).sort(), ['train-00000-of-00001.parquet', 'validation-00000-of-00001.parquet']);
  const rows = await query(
    `SELECT image.bytes AS bytes, image.path AS path, text, caption_source, "by", score, width, height, sha256, filename
     FROM read_parquet(${sqlPath(path.join(out, 'data', '*.parquet'))}, filename = true)`,
  );
  assert.equal(rows.length, record.counts.total);
  assert.equal(rows.length, 39, 'all but the rejected DSC');
  const byName = new Map(images.map((image) => [image.fileName, image]));
  let alts = 0;
  for (const row of rows) {
    const fileName = String(row.path);
    const image = byName.get(fileName);
    assert.ok(image, `row for ${fileName}`);
    const bytes = (row.bytes as DuckDBBlobValue).bytes;
    assert.equal(sha256(bytes), sha256(await fs.readFile(path.join(store.folder, fileName))), `${fileName}: embedded bytes`);
    if (row.caption_source === 'alt') {
      alts++;
      assert.equal(row.text, image.alt);
      assert.equal(row.by, null);
    } else {
      assert.equal(row.caption_source, 'dsc');
      assert.equal(row.text, image.dsc);
      assert.equal(row.by, 'model');
    }
    assert.equal(row.score, fileName === images[5]!.fileName && row.caption_source === 'dsc' ? 0.3125 : null);
    assert.equal(row.width, 4);
    assert.equal(row.sha256, `hash-${fileName}`);
    const split = String(row.filename).includes('validation-') ? 'validation' : 'train';
    assert.ok(split === 'train' || split === 'validation');
  }
  assert.equal(alts, (record.caption_sources.train.alt ?? 0) + (record.caption_sources.validation.alt ?? 0));
  assert.ok(alts > 0 && alts < rows.length, 'the blend drew both kinds');
  const validationRows = rows.filter((row) => String(row.filename).includes('validation-')).length;
  assert.equal(validationRows, record.counts.validation);

  // The datasets library restores the Image feature from the file's own metadata.
  const kv = await query(`SELECT value FROM parquet_kv_metadata(${sqlPath(path.join(out, 'data', 'train-00000-of-00001.parquet'))}) WHERE key = 'huggingface'`);
  const features = JSON.parse(Buffer.from((kv[0]!.value as DuckDBBlobValue).bytes).toString('utf8')).info.features;
  assert.deepEqual(features.image, { _type: 'Image' });
  assert.deepEqual(features.text, { _type: 'Value', dtype: 'string' });
  assert.equal(record.format, 'parquet');
  assert.equal(record.shard_bytes, 500 * 1024 * 1024);
});

test('Parquet shards are cut near the size bound and named -of-N when N is known', async () => {
  const store = await ManifestStore.open(await tempDir('parquet-shards'));
  const images = approvedImages(30);
  await addImages(store, images);
  // Replace the tiny fixture images by 128x128 noise (about 49 KB each, 1.5 MB in all).
  for (const [i, image] of images.entries()) await noiseImage(path.join(store.folder, image.fileName), i, 128);
  await store.save();
  const out = path.join(await tempDir('parquet-shards-out'), 'set');
  const { record } = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'parquet', validation: 0, shardMb: 1 });
  const files = (await fs.readdir(path.join(out, 'data'))).sort();
  assert.deepEqual(files, ['train-00000-of-00002.parquet', 'train-00001-of-00002.parquet']);
  for (const file of files) {
    const { size } = await fs.stat(path.join(out, 'data', file));
    assert.ok(size < 1.25 * 1024 * 1024 + 60_000, `${file}: ${size} bytes, past the bound by more than a row group`);
  }
  const rows = await query(`SELECT image.path AS path, text FROM read_parquet(${sqlPath(path.join(out, 'data', '*.parquet'))}) ORDER BY path`);
  assert.deepEqual(
    rows.map((row) => [row.path, row.text]),
    images.map((image) => [image.fileName, image.ssc]),
  );
  assert.equal(record.counts.train, 30);
});

test('--images none writes a file_name column instead of embedded images, and every caption column as with images', async () => {
  const images = approvedImages(40);
  const store = await makeDataset(images);
  // Every third image scored (its alt-text and DSC apart, in sixteenths: exact as float32), every fifth's DSC written by a person.
  const scored = (i: number) => i % 3 === 0;
  for (const [i, image] of images.entries()) {
    if (scored(i)) store.setScores(image.fileName, 'test-scorer', { alt: { text: image.alt!, score: -(i % 16) / 16 }, dsc: { text: image.dsc!, score: (i % 16) / 16 } });
    if (i % 5 === 0) {
      store.writeHumanCaption(image.fileName, 'dsc', `A description a person wrote of ${i}.`);
      store.setReview(image.fileName, 'dsc', 'approved');
    }
  }
  await store.save();
  const out = path.join(await tempDir('parquet-none'), 'set');
  // Written on the export's texts thread: the rows come with their caption's author and score.
  const { record } = await exportFineTuneSet({ store, out, profile: 't2i', format: 'parquet', images: 'none', ratio: 0.7, validation: 0.2, seed: 3 });
  const rows = await query(`SELECT *, filename FROM read_parquet(${sqlPath(path.join(out, 'data', '*.parquet'))}, filename = true) ORDER BY file_name`);
  assert.equal(rows.length, 40);
  assert.ok(!('image' in rows[0]!));
  for (const row of rows) {
    const i = images.findIndex((image) => image.fileName === row.file_name);
    const image = images[i]!;
    const alt = row.caption_source === 'alt';
    const human = !alt && i % 5 === 0;
    assert.equal(row.text, alt ? image.alt : human ? `A description a person wrote of ${i}.` : image.dsc, image.fileName);
    assert.equal(row.by, alt ? null : human ? 'human' : 'model', image.fileName);
    // A person's edit drops the score the old text had.
    assert.equal(row.score, !scored(i) || human ? null : alt ? -(i % 16) / 16 : (i % 16) / 16, image.fileName);
    assert.deepEqual([row.width, row.sha256], [4, `hash-${image.fileName}`]);
  }
  const count = (source: string, split: string) => rows.filter((row) => row.caption_source === source && String(row.filename).includes(`${split}-`)).length;
  for (const split of ['train', 'validation'] as const) {
    assert.equal(count('alt', split), record.caption_sources[split].alt ?? 0);
    assert.equal(count('dsc', split), record.caption_sources[split].dsc ?? 0);
  }
  assert.ok(record.counts.validation > 0 && rows.some((row) => row.caption_source === 'alt') && rows.some((row) => row.caption_source === 'dsc'));
  assert.ok(rows.some((row) => row.by === 'human') && rows.some((row) => row.score !== null), 'an author and a score besides the defaults');
});

test('row groups carry min and max where a reader can skip by them (file names, sizes), not over captions or digests; every column but the digests is Snappy', async () => {
  const images = approvedImages(12);
  const store = await makeDataset(images);
  const out = path.join(await tempDir('parquet-stats'), 'set');
  await exportFineTuneSet({ store, out, profile: 'dsc', format: 'parquet', images: 'none', validation: 0, seed: 1 });
  const rows = await query(`SELECT path_in_schema AS col, stats_min_value AS lo, stats_max_value AS hi, compression FROM parquet_metadata(${sqlPath(path.join(out, 'data', '*.parquet'))})`);
  const codecs = new Map(rows.map((row) => [row.col, row.compression]));
  assert.deepEqual([...codecs.keys()].sort(), ['by', 'caption_source', 'file_name', 'height', 'score', 'sha256', 'text', 'width']);
  for (const [col, codec] of codecs) assert.equal(codec, col === 'sha256' ? 'UNCOMPRESSED' : 'SNAPPY', String(col));
  const bounds = new Map(rows.map((row) => [row.col, [row.lo, row.hi]]));
  const names = images.map((image) => image.fileName).sort();
  assert.deepEqual(bounds.get('file_name'), [names[0], names[names.length - 1]]);
  assert.deepEqual(bounds.get('width'), ['4', '4']);
  assert.deepEqual(bounds.get('text'), [null, null]);
  assert.deepEqual(bounds.get('sha256'), [null, null]);
});

test('options Parquet cannot honour are refused before anything is written', async () => {
  const store = await makeDataset(approvedImages(2));
  const out = path.join(await tempDir('parquet-refuse'), 'set');
  await assert.rejects(exportFineTuneSet({ store, out, profile: 'dsc', format: 'parquet', images: 'link' }), (err: unknown) => err instanceof ExportError && err.code === 'bad-option' && /nothing to link/.test(err.message));
  await assert.rejects(exportFineTuneSet({ store, out, profile: 'dsc', format: 'parquet', lines: ['alt', 'dsc'] }), (err: unknown) => err instanceof ExportError && /sidecar layout/.test(err.message));
  await assert.rejects(exportFineTuneSet({ store, out, profile: 'dsc', format: 'parquet', shardMb: 0 }), /positive number of MB/);
  assert.equal(await fs.stat(out).catch(() => null), null, 'no output folder');
});

test('sidecar --lines writes each allowed text on its own line, in the order asked', async () => {
  const images = approvedImages(3);
  images[1]!.sscReview = 'rejected';
  images[2]!.sscReview = null;
  images[2]!.dsc = 'Same text.';
  images[2]!.alt = 'Same text.';
  const store = await makeDataset(images);
  const out = path.join(await tempDir('sidecar-lines'), 'set');
  const { record } = await exportFineTuneSet({ store, out, profile: 't2i', format: 'sidecar', validation: 0, lines: ['dsc', 'ssc', 'alt'] });
  const read = (i: number) => fs.readFile(path.join(out, 'train', 'img', `000${i}.txt`), 'utf8');
  assert.equal(await read(0), 'A long description of image 0.\nshort 0\nalt 0\n');
  assert.equal(await read(1), 'A long description of image 1.\nalt 1\n', 'a rejected SSC is not a line');
  assert.equal(await read(2), 'Same text.\n', 'an unreviewed SSC is not approved; a repeated text is one line');
  assert.deepEqual(record.lines, ['dsc', 'ssc', 'alt']);
});

test('a Parquet export that runs out of disk fails with the disk full error and leaves nothing beside its output', { skip: !canMount() && 'needs root on Linux to mount a small tmpfs' }, async () => {
  const store = await ManifestStore.open(await tempDir('parquet-full'));
  const images = approvedImages(24);
  await addImages(store, images);
  // Noise does not compress: 24 images of 49 KB cannot fit in the 512 KB file system below.
  for (const [i, image] of images.entries()) await noiseImage(path.join(store.folder, image.fileName), i, 128);
  await store.save();
  await withTmpfs(512, async (mount) => {
    const out = path.join(mount, 'set');
    // Row groups of a few images each: the thread has several in flight when the disk fills. Then one
    // group of them all, sent as the export closes: the disk fills while the thread finishes.
    for (const shardMb of [1, undefined]) {
      await assert.rejects(exportFineTuneSet({ store, out, profile: 'ssc', format: 'parquet', validation: 0, shardMb }), (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOSPC');
      assert.deepEqual(await fs.readdir(mount), [], 'neither the output nor its build folder is left');
    }
  });
});

test('a Parquet export of captions only that runs out of disk fails with the disk full error, from its texts thread, and leaves nothing', { skip: !canMount() && 'needs root on Linux to mount a small tmpfs' }, async () => {
  // 600 captions of 2,000 random letters (Snappy cannot shrink them much): about 1.2 MB, past the 512 KB below.
  let x = 7;
  const letter = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '[x >>> 26]!;
  };
  const images = approvedImages(600).map((image) => ({ ...image, dsc: Array.from({ length: 2000 }, letter).join('') }));
  const store = await makeDataset(images);
  await withTmpfs(512, async (mount) => {
    const out = path.join(mount, 'set');
    await assert.rejects(exportFineTuneSet({ store, out, profile: 'dsc', format: 'parquet', images: 'none', validation: 0 }), (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOSPC');
    assert.deepEqual(await fs.readdir(mount), [], 'neither the output nor its build folder is left');
  });
});

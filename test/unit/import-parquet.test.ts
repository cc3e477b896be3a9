import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { importDataset, ImportError, type ImportOptions } from '../../src/core/import/index.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { CliError } from '../../src/cli/cli-error.js';
import type { ManifestRecord } from '../../src/shared/record.js';
import { captureStderr, captureStdout } from '../support/capture-stderr.js';
import { hfColumns, listFiles, makeImage, makeImages, writeDuckdbParquet, writeParquet, type TestImage } from '../support/import-fixtures.js';
import { importedManifest as manifest, withImportDir as withDir } from '../support/import-fixtures.js';


const extOf = (img: TestImage) => (img.format === 'jpeg' ? 'jpg' : img.format);

/** Checks each record against the image it must hold: the bytes' hash, the size, and the file's own format. */
function assertImported(records: ManifestRecord[], images: readonly TestImage[], folder: string, source: string) {
  assert.equal(records.length, images.length);
  images.forEach((img, i) => {
    const record = records.find((r) => r.source_row === i);
    assert.ok(record, `row ${i} is in the manifest`);
    assert.equal(record.file_name, `images/${folder}/${String(i).padStart(6, '0')}.${extOf(img)}`);
    assert.equal(record.sha256, img.sha256);
    assert.equal(record.width, img.width);
    assert.equal(record.height, img.height);
    assert.equal(record.error, null);
    assert.equal(record.source_file, source);
  });
}

/** What an import must leave when it fails on a bad input: no image and no manifest under a final name. */
async function assertNothingFinal(out: string) {
  assert.deepEqual(await listFiles(out), []);
}

async function rejectsWith(options: ImportOptions, code: string, pattern: RegExp) {
  await assert.rejects(importDataset(options), (err: unknown) => {
    assert.ok(err instanceof ImportError, String(err));
    assert.equal(err.code, code, err.message);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, pattern);
    return true;
  });
}

test('an Image struct column (hyparquet-writer, snappy, several row groups): images, captions in alt, row identity', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(10);
    const captions = images.map((_, i) => (i === 3 ? null : `caption number ${i}`));
    const file = path.join(dir, 'train-00000-of-00001.parquet');
    await writeParquet(file, hfColumns(images, captions), { rowGroupSize: 4 });
    const out = path.join(dir, 'out');
    const phases = new Set<string>();
    const report = await importDataset({ source: file, out, onProgress: (p) => phases.add(p.phase) });
    assert.deepEqual(
      { format: report.format, files: report.files, rows: report.rows, imported: report.imported, resumed: report.resumed, skipped: report.skipped },
      { format: 'parquet', files: 1, rows: 10, imported: 10, resumed: 0, skipped: {} },
    );
    assert.equal(report.imageColumn, 'image');
    assert.equal(report.captionColumn, 'text');
    assert.equal(report.bytesWritten, images.reduce((n, img) => n + img.bytes.length, 0));
    assert.deepEqual([...phases], ['reading', 'scanning']);
    const records = await manifest(out);
    // The struct's path says .png for every row; the jpeg rows still get .jpg, from their bytes.
    assertImported(records, images, 'train-00000-of-00001', 'train-00000-of-00001.parquet');
    records.forEach((r) => assert.deepEqual(r.alt, r.source_row === 3 ? null : { text: `caption number ${r.source_row}`, source: 'parquet' }));
    for (const img of images) {
      const record = records.find((r) => r.sha256 === img.sha256)!;
      assert.deepEqual(await fs.readFile(path.join(out, record.file_name)), img.bytes);
    }
  });
});

test('a Parquet file written by DuckDB (zstd, struct of blob and path, caption column "caption")', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(6);
    const file = path.join(dir, 'duck.parquet');
    await writeDuckdbParquet(file, images, images.map((_, i) => `a duck's caption ${i}`));
    const out = path.join(dir, 'out');
    const report = await importDataset({ source: file, out });
    assert.equal(report.imported, 6);
    assert.equal(report.captionColumn, 'caption');
    const records = await manifest(out);
    assertImported(records, images, 'duck', 'duck.parquet');
    records.forEach((r) => assert.deepEqual(r.alt, { text: `a duck's caption ${r.source_row}`, source: 'parquet' }));
  });
});

test('a binary column, and a string column of paths that must stay inside the file\'s folder and not be links', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(4);
    const binary = path.join(dir, 'bin', 'bin.parquet');
    await fs.mkdir(path.dirname(binary));
    await writeParquet(binary, [
      { name: 'jpg', kind: 'binary', data: images.map((img) => img.bytes) },
      { name: 'TEXT', kind: 'string', data: images.map((_, i) => `binary ${i}`) },
    ]);
    const fromBinary = await importDataset({ source: binary, out: path.join(dir, 'out-bin') });
    assert.equal(fromBinary.imageColumn, 'jpg');
    assert.equal(fromBinary.captionColumn, 'TEXT');
    assertImported(await manifest(path.join(dir, 'out-bin')), images, 'bin', 'bin.parquet');

    const folder = path.join(dir, 'paths');
    await fs.mkdir(path.join(folder, 'imgs'), { recursive: true });
    await fs.writeFile(path.join(folder, 'imgs', 'a.png'), images[0]!.bytes);
    await fs.writeFile(path.join(folder, 'imgs', 'b.jpg'), images[1]!.bytes);
    await fs.writeFile(path.join(dir, 'outside.png'), images[2]!.bytes);
    await fs.symlink(path.join(folder, 'imgs', 'a.png'), path.join(folder, 'imgs', 'link.png'));
    const file = path.join(folder, 'paths.parquet');
    const paths = ['imgs/a.png', 'imgs/b.jpg', '../outside.png', 'imgs/link.png', 'imgs/missing.png', '/etc/hostname'];
    await writeParquet(file, [
      { name: 'path', kind: 'string', data: paths },
      { name: 'text', kind: 'string', data: paths.map((p) => `at ${p}`) },
    ]);
    const out = path.join(dir, 'out-paths');
    const report = await importDataset({ source: file, out });
    assert.equal(report.imageColumn, 'path');
    assert.equal(report.imported, 2);
    assert.deepEqual(report.skipped, { 'image path unsafe': 3, 'image file unreadable': 1 });
    assert.deepEqual(report.skippedExamples['image path unsafe']!.map((e) => e.replace(/ \(.*/, '')), ['paths.parquet row 2', 'paths.parquet row 3', 'paths.parquet row 5']);
    const records = await manifest(out);
    assert.deepEqual(records.map((r) => [r.file_name, r.sha256, r.alt?.text]), [
      ['images/paths/000000.png', images[0]!.sha256, 'at imgs/a.png'],
      ['images/paths/000001.jpg', images[1]!.sha256, 'at imgs/b.jpg'],
    ]);
  });
});

test('rows whose bytes are not images are skipped and named; a column with no image in its first row group fails', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(3);
    const mixed = path.join(dir, 'mixed.parquet');
    const data = [images[0]!.bytes, Buffer.from('not an image at all'), images[1]!.bytes, null, Buffer.from('%PDF-1.4 nope'), images[2]!.bytes];
    await writeParquet(mixed, [{ name: 'image', kind: 'binary', data }]);
    const report = await importDataset({ source: mixed, out: path.join(dir, 'out-mixed') });
    assert.equal(report.imported, 3);
    assert.equal(report.captionColumn, undefined);
    assert.deepEqual(report.skipped, { 'not an image': 2, 'no image': 1 });
    assert.deepEqual(report.skippedExamples['not an image'], ['mixed.parquet row 1', 'mixed.parquet row 4']);
    assert.equal((await manifest(path.join(dir, 'out-mixed'))).length, 3);

    const none = path.join(dir, 'none.parquet');
    await writeParquet(none, [{ name: 'image', kind: 'binary', data: [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')] }]);
    const out = path.join(dir, 'out-none');
    await rejectsWith({ source: none, out }, 'no-images', /^none\.parquet: column "image" holds no image/);
    await assertNothingFinal(out);
  });
});

test('not Parquet, truncated, a missing column and a wrong-typed column: one line each, nothing written', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(3);
    const good = path.join(dir, 'good.parquet');
    await writeParquet(good, hfColumns(images, ['a', 'b', 'c']));
    const notParquet = path.join(dir, 'png.parquet');
    await fs.writeFile(notParquet, images[0]!.bytes);
    const truncated = path.join(dir, 'cut.parquet');
    const whole = await fs.readFile(good);
    await fs.writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const out = path.join(dir, 'out');
    await rejectsWith({ source: notParquet, out }, 'not-parquet', /^png\.parquet: not a Parquet file/);
    await rejectsWith({ source: truncated, out }, 'truncated', /^cut\.parquet: truncated/);
    const columns = /its columns: id \(INT64\), image \(struct<bytes: binary, path: string>\), text \(string\)/;
    await rejectsWith({ source: good, out, imageColumn: 'picture' }, 'bad-column', new RegExp(`^good\\.parquet: no column "picture"; ${columns.source}`));
    await rejectsWith({ source: good, out, captionColumn: 'id' }, 'bad-column', new RegExp(`^good\\.parquet: column "id" is INT64, not a string column.*${columns.source}`));
    await rejectsWith({ source: good, out, imageColumn: 'id' }, 'bad-column', /column "id" is INT64, not an image column/);
    // A file without any column that can hold images, and a folder whose second file lacks the first one's column.
    const numbers = path.join(dir, 'numbers.parquet');
    await writeParquet(numbers, [{ name: 'n', kind: 'int64', data: [1n, 2n] }, { name: 'text', kind: 'string', data: ['x', 'y'] }]);
    await rejectsWith({ source: numbers, out }, 'bad-column', /^numbers\.parquet: no image column .*its columns: n \(INT64\), text \(string\)/);
    assert.equal(await fs.stat(out).catch(() => null), null, 'the output folder is not even created');
  });
});

test('an import stopped midway continues where it stopped: no image rewritten, the same manifest as one run', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(24);
    const source = path.join(dir, 'src');
    await fs.mkdir(source);
    await writeParquet(path.join(source, 'a.parquet'), hfColumns(images.slice(0, 12), images.slice(0, 12).map((_, i) => `a ${i}`)), { rowGroupSize: 4 });
    await writeParquet(path.join(source, 'b.parquet'), hfColumns(images.slice(12), images.slice(12).map((_, i) => `b ${i}`)), { rowGroupSize: 4 });
    const out = path.join(dir, 'out');
    const controller = new AbortController();
    await assert.rejects(
      importDataset({ source, out, concurrency: 1, signal: controller.signal, onProgress: (p) => p.done >= 18 && controller.abort() }),
      (err: unknown) => err instanceof ImportError && err.code === 'cancelled',
    );
    // a.parquet is finished, b.parquet under way, both in their hidden partial folders (a source file's
    // folder gets its final name when the import has written everything).
    const before = new Map<string, { ino: number; mtimeMs: number }>();
    for (const rel of await listFiles(out, { hidden: true })) {
      if (!rel.startsWith('images/')) continue;
      const stat = await fs.stat(path.join(out, rel));
      before.set(rel.replace(/^images\/\.(\w+)\.partial\//, 'images/$1/'), { ino: stat.ino, mtimeMs: stat.mtimeMs });
    }
    assert.equal([...before.keys()].filter((k) => k.startsWith('images/a/')).length, 12);
    assert.ok([...before.keys()].some((k) => k.startsWith('images/b/')), 'some of b.parquet was written before the stop');
    assert.equal(await fs.stat(path.join(out, 'recaption.jsonl')).catch(() => null), null);

    const resumed = await importDataset({ source, out });
    assert.equal(resumed.resumed, before.size);
    assert.equal(resumed.imported + resumed.resumed, 24);
    for (const [rel, stat] of before) {
      const now = await fs.stat(path.join(out, rel));
      assert.deepEqual({ ino: now.ino, mtimeMs: now.mtimeMs }, stat, `${rel} was not rewritten`);
    }
    assert.deepEqual(await listFiles(out, { hidden: true }).then((l) => l.filter((f) => f.startsWith('images/.'))), [], 'no partial folder or temp file is left');

    const fresh = path.join(dir, 'fresh');
    await importDataset({ source, out: fresh });
    const strip = (records: ManifestRecord[]) => records.map(({ mtime_ms: _mtime, ...rest }) => rest);
    assert.deepEqual(strip(await manifest(out)), strip(await manifest(fresh)));
    assert.equal((await manifest(out)).length, 24);

    // Once more: everything is there, nothing is written, the manifest stays as it is.
    const text = await fs.readFile(path.join(out, 'recaption.jsonl'), 'utf8');
    const again = await importDataset({ source, out });
    assert.deepEqual([again.imported, again.resumed, again.bytesWritten], [0, 24, 0]);
    assert.equal(await fs.readFile(path.join(out, 'recaption.jsonl'), 'utf8'), text);
  });
});

test('an output folder of something else, or of an import of other files, is refused', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(2);
    const first = path.join(dir, 'first.parquet');
    const second = path.join(dir, 'second.parquet');
    await writeParquet(first, hfColumns(images, ['x', 'y']));
    await writeParquet(second, hfColumns([await makeImage(5)], ['z']));
    const busy = path.join(dir, 'busy');
    await fs.mkdir(busy);
    await fs.writeFile(path.join(busy, 'notes.txt'), 'mine');
    await rejectsWith({ source: first, out: busy }, 'out-not-empty', /already holds 1 entry that no import of this source wrote/);
    assert.deepEqual(await fs.readdir(busy), ['notes.txt']);
    const out = path.join(dir, 'out');
    await importDataset({ source: first, out });
    await rejectsWith({ source: second, out }, 'source-changed', /holds an import of other files/);
    await rejectsWith({ source: first, out, captionColumn: 'id' }, 'source-changed', /used "text" as its caption column, not "id"/);
  });
});

test('recaption import on one file: progress and a summary on stderr, the report as JSON on stdout', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(5);
    const file = path.join(dir, 'cli.parquet');
    await writeParquet(file, hfColumns(images, images.map((_, i) => `cli ${i}`)), { rowGroupSize: 2 });
    const out = path.join(dir, 'out');
    const { value: captured, stdout } = await captureStdout(() => captureStderr(() => importCommand.run([file, '--out', out, '--json'])));
    assert.equal(captured.value, 0, captured.stderr);
    assert.match(captured.stderr, /^imported 5 images from 5 rows in 1 parquet file \(image column "image", caption column "text"\); .* 5 images in .*recaption\.jsonl$/m);
    const report = JSON.parse(stdout) as { imported: number; manifest: string };
    assert.equal(report.imported, 5);
    assert.equal(report.manifest, path.join(out, 'recaption.jsonl'));
    const records = await manifest(out);
    assert.equal(records.length, 5);
    assert.ok(records.every((r) => typeof r.phash === 'string'), 'the scan hashes by default');
    const unhashed = path.join(dir, 'unhashed');
    await captureStdout(() => captureStderr(() => importCommand.run([file, '--out', unhashed, '--no-phash'])));
    assert.ok((await manifest(unhashed)).every((r) => r.phash === undefined && typeof r.sha256 === 'string'), '--no-phash leaves the hashes out');
    await assert.rejects(importCommand.run([file, '--out', path.join(dir, 'other'), '--caption-column', 'nope']), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /^cli\.parquet: no column "nope"; its columns: /);
      return true;
    });
    await assert.rejects(importCommand.run([file]), /--out <folder> is required/);
  });
});

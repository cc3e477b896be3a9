// The manifest an import writes is built from what it probed as it wrote each image, not by reading the
// folder again: it must be, line for line, what a scan of the imported folder gives, with each image's
// caption and source set. Checked on images a scan treats in every way it can: each format, an EXIF
// description and orientation, a truncated JPEG, a BMP sharp cannot read; with and without perceptual hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { importDataset } from '../../src/core/import/index.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { MANIFEST_NAME, type ManifestRecord } from '../../src/shared/record.js';
import { makeImage, withImportDir, writeParquet, writeTar, type ParquetColumn } from '../support/import-fixtures.js';

/** A 3×2 24-bit BMP (sharp cannot read it: the scan records an error, as the import must). */
function bmp(): Buffer {
  const row = 12; // 3 pixels × 3 bytes, already a multiple of 4
  const size = 54 + row * 2;
  const b = Buffer.alloc(size);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(3, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * 2, 34);
  b.fill(0x7f, 54);
  return b;
}

/** One image of each kind a scan treats its own way, and which rows have a caption in the source. */
async function sampleImages(): Promise<{ bytes: Buffer; caption: string | null }[]> {
  const jpeg = (await makeImage(1, 'jpeg')).bytes;
  const described = await sharp({ create: { width: 12, height: 7, channels: 3, background: { r: 10, g: 200, b: 90 } } })
    .jpeg()
    .withExif({ IFD0: { ImageDescription: 'a description the camera wrote' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  // Noise, so that the header is a small part of the file and a cut leaves it whole.
  const big = await sharp({ create: { width: 160, height: 120, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
  return [
    { bytes: (await makeImage(0, 'png')).bytes, caption: 'a png' },
    { bytes: jpeg, caption: 'a jpeg' },
    { bytes: (await makeImage(2, 'webp')).bytes, caption: null },
    { bytes: described, caption: null },
    { bytes: described, caption: 'the source caption wins over the embedded one' },
    { bytes: big.subarray(0, Math.floor(big.length * 0.6)), caption: 'a truncated jpeg' },
    { bytes: bmp(), caption: 'a bmp' },
    { bytes: await sharp({ create: { width: 9, height: 4, channels: 3, background: 'red' } }).gif().toBuffer(), caption: 'a gif' },
    { bytes: await sharp({ create: { width: 5, height: 6, channels: 3, background: 'blue' } }).tiff().toBuffer(), caption: null },
  ];
}

/**
 * The manifest's text with sharp's own words for a decode failure left out: libvips keeps one error
 * buffer for all its threads, so the same bytes may fail with "premature end of JPEG image" in one run
 * and "Unknown error" in the next (a scan of one folder, twice, differs the same way).
 */
function withoutSharpWords(text: string): string {
  return text.replace(/("error":"[^":]*): [^"]*"/g, '$1"');
}

/**
 * What a scan of `out` gives (its manifest set aside first), each record then given the caption and
 * source the import read for it: the manifest the import must have written, as text.
 */
async function scannedWithSources(
  out: string,
  phash: boolean,
  sourceOf: (record: ManifestRecord) => { caption: string | null; source: { source_row: number } | { source_key: string } },
  format: 'parquet' | 'webdataset',
  sourceFile: (record: ManifestRecord) => string,
): Promise<string> {
  await fs.rename(path.join(out, MANIFEST_NAME), path.join(out, `${MANIFEST_NAME}.imported`));
  try {
    const { store, report } = await scanDataset(out, { save: false, phash });
    assert.deepEqual(report.warnings, []);
    const expected = ManifestStore.fromText(out, '');
    for (const name of store.names()) {
      const record = store.get(name)!;
      const { caption, source } = sourceOf(record);
      expected.put({ ...record, alt: caption === null ? record.alt : { text: caption, source: format }, source_file: sourceFile(record), ...source });
    }
    return expected.serialize();
  } finally {
    await fs.rename(path.join(out, `${MANIFEST_NAME}.imported`), path.join(out, MANIFEST_NAME));
  }
}

for (const phash of [true, false]) {
  test(`a Parquet import's manifest is what a scan of the folder gives, with the captions (${phash ? 'with' : 'without'} perceptual hashes)`, async () => {
    await withImportDir(async (dir) => {
      const samples = await sampleImages();
      const file = path.join(dir, 'train.parquet');
      const columns: ParquetColumn[] = [
        { name: 'image', kind: 'image-struct', data: samples.map((s) => ({ bytes: s.bytes, path: null })) },
        { name: 'text', kind: 'string', data: samples.map((s) => s.caption) },
      ];
      await writeParquet(file, columns, { rowGroupSize: 4 });
      const out = path.join(dir, 'out');
      const report = await importDataset({ source: file, out, phash });
      assert.equal(report.images, samples.length, JSON.stringify(report.skippedExamples));
      const imported = await fs.readFile(path.join(out, MANIFEST_NAME), 'utf8');
      const rowOf = (r: ManifestRecord) => Number(path.posix.basename(r.file_name).split('.')[0]);
      const expected = await scannedWithSources(out, phash, (r) => ({ caption: samples[rowOf(r)]!.caption, source: { source_row: rowOf(r) } }), 'parquet', () => 'train.parquet');
      assert.equal(withoutSharpWords(imported), withoutSharpWords(expected));
      // The cases are there: the embedded description, the rotated size, the decode error, sharp's refusal.
      const records = imported.trimEnd().split('\n').map((l) => JSON.parse(l) as ManifestRecord);
      const byRow = (row: number) => records.find((r) => r.source_row === row)!;
      assert.deepEqual(byRow(3).alt, { text: 'a description the camera wrote', source: 'exif' });
      assert.deepEqual([byRow(3).width, byRow(3).height], [7, 12]);
      assert.match(byRow(5).error ?? '', /cannot decode image/);
      assert.match(byRow(6).error ?? '', /not a readable image/);
      assert.equal(records.every((r) => (r.phash !== undefined) === phash || r.error !== null), true);
    });
  });
}

test("a WebDataset import's manifest is what a scan of the folder gives, with the captions", async () => {
  await withImportDir(async (dir) => {
    const samples = await sampleImages();
    const extOf = (bytes: Buffer) => (bytes[0] === 0x42 ? 'bmp' : bytes[0] === 0x89 ? 'png' : bytes[0] === 0xff ? 'jpg' : bytes[0] === 0x47 ? 'gif' : bytes[0] === 0x52 ? 'webp' : 'tif');
    const shards = path.join(dir, 'shards');
    await fs.mkdir(shards);
    await writeTar(
      path.join(shards, 'shard-0.tar'),
      samples.flatMap((s, i) => [{ name: `k${i}.${extOf(s.bytes)}`, data: s.bytes }, ...(s.caption === null ? [] : [{ name: `k${i}.txt`, data: s.caption }])]),
    );
    const out = path.join(dir, 'out');
    await importDataset({ source: shards, out });
    const imported = await fs.readFile(path.join(out, MANIFEST_NAME), 'utf8');
    const keyOf = (r: ManifestRecord) => path.posix.basename(r.file_name).split('.')[0]!;
    const expected = await scannedWithSources(out, true, (r) => ({ caption: samples[Number(keyOf(r).slice(1))]!.caption, source: { source_key: keyOf(r) } }), 'webdataset', () => 'shard-0.tar');
    assert.equal(withoutSharpWords(imported), withoutSharpWords(expected));
  });
});

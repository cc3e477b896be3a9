// Issue 24, item 8 (and 13's dropped WebDataset caption): an import applies the caption limit and the
// cleaning every other writer applies, and says what it left out or cleaned. Before: a 9 MB caption in a
// Parquet row became a manifest line the next load rejected (1 bad line, 2 of 3 images), control and
// bidirectional-override characters were kept, and a caption member over 4 MB was dropped without a word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { importDataset } from '../../src/core/import/index.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MAX_CAPTION_CHARS } from '../../src/core/limits.js';
import { hfColumns, makeImages, withImportDir, writeParquet, writeTar } from '../support/import-fixtures.js';

/** Control characters (but tab and newline) and the bidirectional embeddings, overrides and isolates. */
const UNWANTED = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const NASTY = 'a red\u202Esquare\u0007 on\u2066 grey\u2069\u0000 floor';

async function loadWhole(out: string): Promise<ManifestStore> {
  const store = await ManifestStore.open(out);
  assert.deepEqual(store.problems.map((p) => p.message), [], 'every manifest line loads');
  return store;
}

test('Parquet captions: one over the limit is left out and named, control and bidi characters are removed and counted; the manifest loads whole', async () => {
  await withImportDir(async (dir) => {
    const images = await makeImages(3);
    const file = path.join(dir, 'captions.parquet');
    const huge = 'x'.repeat(9 * 2 ** 20);
    await writeParquet(file, hfColumns(images, ['a plain caption', huge, NASTY]));
    const out = path.join(dir, 'out');
    const report = await importDataset({ source: file, out, phash: false });
    assert.equal(report.imported, 3, 'the image of the row with the long caption is imported, without it');
    assert.deepEqual(report.captions, { 'caption too long': 1, 'caption cleaned': 1 });
    assert.deepEqual(report.captionExamples['caption too long'], [`captions.parquet row 1 (9,437,184 bytes, over the ${MAX_CAPTION_CHARS.toLocaleString('en-US')} characters a caption may have)`]);
    assert.deepEqual(report.captionExamples['caption cleaned'], ['captions.parquet row 2']);

    const store = await loadWhole(out);
    assert.equal(store.size, 3);
    const byRow = new Map(store.names().map((n) => [store.get(n)!.source_row, store.get(n)!]));
    assert.equal(byRow.get(0)!.alt!.text, 'a plain caption');
    assert.equal(byRow.get(1)!.alt, null);
    assert.equal(byRow.get(2)!.alt!.text, 'a redsquare on grey floor');
    for (const name of store.names()) assert.doesNotMatch(store.get(name)!.alt?.text ?? '', UNWANTED);
    store.close();
  });
});

test('WebDataset captions: a caption member too large to read (5 MB) or too long, and one with control characters, are counted by name', async () => {
  await withImportDir(async (dir) => {
    const images = await makeImages(4);
    const shard = path.join(dir, 'shard.tar');
    await writeTar(shard, [
      { name: 'a.png', data: images[0]!.bytes },
      { name: 'a.txt', data: 'x'.repeat(5 * 2 ** 20) },
      { name: 'b.png', data: images[1]!.bytes },
      { name: 'b.txt', data: 'y '.repeat(MAX_CAPTION_CHARS) },
      { name: 'c.png', data: images[2]!.bytes },
      { name: 'c.json', data: JSON.stringify({ caption: NASTY }) },
      { name: 'd.png', data: images[3]!.bytes },
      { name: 'd.txt', data: 'fine' },
    ]);
    const out = path.join(dir, 'out');
    const report = await importDataset({ source: shard, out, phash: false });
    assert.equal(report.imported, 4);
    assert.deepEqual(report.captions, { 'caption too long': 2, 'caption cleaned': 1 });
    assert.deepEqual(report.captionExamples['caption too long'], [
      `shard.tar key a (a .txt member of 5,242,880 bytes, over the ${MAX_CAPTION_CHARS.toLocaleString('en-US')} characters a caption may have)`,
      `shard.tar key b (${(2 * MAX_CAPTION_CHARS - 1).toLocaleString('en-US')} characters, over the ${MAX_CAPTION_CHARS.toLocaleString('en-US')} characters a caption may have)`,
    ]);
    const store = await loadWhole(out);
    const byKey = new Map(store.names().map((n) => [store.get(n)!.source_key, store.get(n)!]));
    assert.equal(byKey.get('a')!.alt, null);
    assert.equal(byKey.get('b')!.alt, null);
    assert.equal(byKey.get('c')!.alt!.text, 'a redsquare on grey floor');
    assert.equal(byKey.get('d')!.alt!.text, 'fine');
    store.close();
  });
});

// Issue 24, item 13 (imports): a gzip-compressed tar is named as such (not tar-stream's guess), a file
// the import's bounds refuse leaves no output folder behind (the import state was written before the
// size check), and a report's warnings are listed up to 20, the rest counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { importDataset, ImportError, type ImportOptions } from '../../src/core/import/index.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { captureStderr } from '../support/capture-stderr.js';
import { hfColumns, makeImages, withImportDir, writeParquet, writeTar } from '../support/import-fixtures.js';

async function rejectsWith(options: ImportOptions, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(importDataset(options), (err: unknown) => {
    assert.ok(err instanceof ImportError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a gzip-compressed (or bzip2) shard under a .tar name is named as such, and nothing is written', async () => {
  await withImportDir(async (dir) => {
    const images = await makeImages(2);
    const plain = path.join(dir, 'plain.tar');
    await writeTar(plain, [{ name: 'a.png', data: images[0]!.bytes }, { name: 'a.txt', data: 'a cat' }]);
    const gzipped = path.join(dir, 'shard.tar');
    await fs.writeFile(gzipped, gzipSync(await fs.readFile(plain)));
    const out = path.join(dir, 'out');
    await rejectsWith({ source: gzipped, out }, 'compressed', /^shard\.tar: this shard is gzip-compressed, not a plain tar; decompress it first/);
    const bzipped = path.join(dir, 'b.tar');
    await fs.writeFile(bzipped, Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(100)]));
    await rejectsWith({ source: bzipped, out }, 'compressed', /^b\.tar: this shard is bzip2-compressed/);
    assert.equal(await fs.stat(out).catch(() => null), null, 'no output folder');
  });
});

test('a row group over the size bound is refused before the output folder (or its import state) exists', async () => {
  await withImportDir(async (dir) => {
    const images = await makeImages(4);
    const file = path.join(dir, 'big.parquet');
    await writeParquet(file, hfColumns(images, ['a', 'b', 'c', 'd']), { rowGroupSize: 2 });
    const out = path.join(dir, 'out');
    await rejectsWith({ source: file, out, maxRowGroupBytes: 300 }, 'too-large', /^big\.parquet row group 0: its columns image\.bytes, image\.path, text hold 0 MB, over the 0 MB an import reads at once/);
    assert.equal(await fs.stat(out).catch(() => null), null, 'no output folder, so the same import with a larger bound starts clean');
    const report = await importDataset({ source: file, out, phash: false });
    assert.equal(report.imported, 4);
  });
});

test('a report lists 20 warnings and counts the rest; the CLI says how many more', async () => {
  await withImportDir(async (dir) => {
    const images = await makeImages(30);
    const shard = path.join(dir, 'many.tar');
    await writeTar(shard, images.map((img, i) => ({ name: `${String(i).padStart(3, '0')}.${img.format === 'jpeg' ? 'jpg' : 'png'}`, data: img.bytes })));
    const out = path.join(dir, 'out');
    await importDataset({ source: shard, out, phash: false });
    // Every manifest line broken (as an import before the line limit could leave one): each image warns on the next run.
    const manifest = path.join(out, 'recaption.jsonl');
    const lines = (await fs.readFile(manifest, 'utf8')).split('\n').filter((l) => l !== '');
    await fs.writeFile(manifest, lines.map((l) => `${l.slice(0, l.indexOf('"', l.indexOf('file_name') + 12) + 1)},\n`).join(''));
    const { value: code, stderr } = await captureStderr(() => importCommand.run([shard, '--out', out, '--no-phash']));
    assert.equal(code, 0, stderr);
    const warnings = stderr.split('\n').filter((l) => l.startsWith('warning: '));
    assert.equal(warnings.length, 21, stderr);
    assert.match(warnings[0]!, /^warning: skipped images\/many\/000\.png: its line 1 in recaption\.jsonl cannot be read/);
    assert.equal(warnings[20], 'warning: ... and 10 more warnings like these');
  });
});

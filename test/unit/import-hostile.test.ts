// Issue 24, items 1-3 and the acceptance line for imports: each hostile file, imported by `recaption
// import` in a child process as a user runs it, ends by itself with one clear line naming the file, row
// group and column, within 60 s and 1.5 GB of memory; an import stopped with Ctrl-C ends within 3 s.
// Before the fix: the zstd bomb passed 4 GB in 7 s, a run of 2^24 nulls took 64 s and 3.9 GB, an
// overflowing dictionary run passed 4 GB in 13 s, and lying counts surfaced "Offset is outside the
// bounds of the DataView" and "Invalid typed array length".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dictionaryRunParquet, footerBombParquet, lyingCountParquet, nullRunParquet, v2MissingFieldParquet, v2Parquet, writeSparseTar, zstdBombParquet } from '../support/hostile-files.js';
import { runImportCli, type ChildRun } from '../support/import-child.js';
import { makeImage, withImportDir } from '../support/import-fixtures.js';

const LIMITS = { timeoutMs: 60_000, maxRssBytes: 1.5 * 2 ** 30 };
/** JavaScript's own words, which say what the reader tripped on and never what is wrong with the file. */
const RAW = /Invalid typed array length|outside the bounds|Invalid array length|NaN|undefined|is not a function|Cannot read prop|Maximum call stack/;

/** The child's last line on stderr: the one message a user sees. */
function lastLine(run: ChildRun): string {
  return run.stderr.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
}

async function importRefused(dir: string, name: string, bytes: Uint8Array, expected: RegExp): Promise<ChildRun> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const out = path.join(dir, `out-${name}`);
  const run = await runImportCli([file, '--out', out], LIMITS);
  const line = lastLine(run);
  assert.equal(run.killed, null, `${name}: killed for ${run.killed} after ${Math.round(run.wallMs)} ms at ${Math.round(run.peakRssBytes / 2 ** 20)} MiB`);
  assert.equal(run.code, 1, `${name}: ${run.stderr}`);
  assert.match(line, expected);
  assert.doesNotMatch(line, RAW);
  assert.ok(run.wallMs < LIMITS.timeoutMs, `${name}: ${run.wallMs} ms`);
  assert.ok(run.peakRssBytes < LIMITS.maxRssBytes, `${name}: peak ${run.peakRssBytes} bytes`);
  // Nothing is under a final name: no manifest, no image folder.
  assert.equal(await fs.stat(path.join(out, 'recaption.jsonl')).catch(() => null), null);
  return run;
}

test('item 1: a zstd bomb in a Parquet page (80 KB that inflates to 2.6 GB, header and metadata saying 1,000 bytes) ends with one line, bounded', async () => {
  await withImportDir(async (dir) => {
    await importRefused(dir, 'bomb.parquet', zstdBombParquet(), /^recaption import: bomb\.parquet row group 0, column image: page 0: its zstd data inflates to at least 2,621,440,000 bytes, more than the 1,000 its page header says/);
    // Run-length blocks over the format's 128 KiB block (fzstd accepts up to 2 MiB each).
    await importRefused(dir, 'big-blocks.parquet', zstdBombParquet(2_000, 2 ** 21 - 1), /column image: page 0: its zstd data holds a block of 2,097,151 bytes, over the format's 131,072/);
  });
});

test('item 2: honest counts that expand (a run of 2^24 nulls, 2^24 dictionary indexes) are refused by the row bound before anything is written', async () => {
  await withImportDir(async (dir) => {
    const tooMany = /row group 0: it has 16,777,216 rows, over the 1,048,576 an import reads at once; rewrite the file with smaller row groups$/;
    await importRefused(dir, 'nulls.parquet', nullRunParquet(2 ** 24), tooMany);
    await importRefused(dir, 'dictionary.parquet', await dictionaryRunParquet(2 ** 24, 2 ** 24), tooMany);
    assert.equal(await fs.stat(path.join(dir, 'out-nulls.parquet')).catch(() => null), null, 'refused before the output folder exists');
  });
});

test('item 2: counts that lie (a run of 2^26 in a page of 1,024, a page of 2^31 - 1 values) say what is wrong with the file', async () => {
  await withImportDir(async (dir) => {
    await importRefused(dir, 'run.parquet', await dictionaryRunParquet(1024, 2 ** 26), /run\.parquet row group 0, column image: page 1: its dictionary indexes hold a run of 67,108,864 values where 1,024 remain/);
    await importRefused(dir, 'count.parquet', await lyingCountParquet(2, 2 ** 31 - 1), /count\.parquet row group 0, column image: page 0: it says it holds 2,147,483,647 values, where its column chunk has 2 left of 2/);
  });
});

test('bounded footers: 60 million one-byte structs (a gigabyte-sized list when parsed, a crash past a worker heap) are refused before they are parsed', async () => {
  await withImportDir(async (dir) => {
    await importRefused(dir, 'footer.parquet', footerBombParquet(60 * 2 ** 20), /^recaption import: footer\.parquet: its footer holds more than 4,000,000 values, more than an import reads$/);
  });
});

test('item 3: a v2 data page whose header misses a required field ends with a clear message, never a loop', async () => {
  await withImportDir(async (dir) => {
    // The control: the same page with every field imports.
    const control = path.join(dir, 'v2.parquet');
    await fs.writeFile(control, v2Parquet([(await makeImage(0)).bytes, (await makeImage(1)).bytes]));
    const ok = await runImportCli([control, '--out', path.join(dir, 'out-v2')], LIMITS);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(lastLine(ok), /^imported 2 images from 2 rows/);

    const fields: [number, boolean, string][] = [
      [1, false, 'num_values'], [2, false, 'num_nulls'], [3, false, 'num_rows'], [4, false, 'encoding'],
      [5, false, 'definition_levels_byte_length'], [6, false, 'repetition_levels_byte_length'],
      [2, true, 'uncompressed_page_size'], [3, true, 'compressed_page_size'],
    ];
    // Two at a time: this machine has two cores.
    for (let i = 0; i < fields.length; i += 2) {
      await Promise.all(
        fields.slice(i, i + 2).map(async ([id, inPageHeader, name]) => {
          const where = inPageHeader ? 'page header' : 'v2 data page header';
          await importRefused(dir, `no-${name}.parquet`, await v2MissingFieldParquet(id, inPageHeader), new RegExp(`column image: page 0: its ${where} has no ${name} \\(a required field\\)`));
        }),
      );
    }
  });
});

test('Ctrl-C stops an import inside a long read within 3 s, with the message to continue', async () => {
  await withImportDir(async (dir) => {
    const file = path.join(dir, 'long.tar');
    // 6 GB of a member that is not an image, read through (and skipped) at disk-cache speed.
    await writeSparseTar(file, 6 * 2 ** 30);
    const interruptAfterMs = 2500;
    const run = await runImportCli([file, '--out', path.join(dir, 'out')], { ...LIMITS, interruptAfterMs });
    assert.equal(run.killed, null);
    assert.equal(run.code, 130, run.stderr);
    assert.match(lastLine(run), /^import cancelled; run the same import again to continue where it stopped$/);
    assert.ok(run.wallMs < interruptAfterMs + 3000, `ended ${Math.round(run.wallMs - interruptAfterMs)} ms after Ctrl-C`);
  });
});

// Time and peak memory of `recaption import` on each hostile file, for the figures in reports:
//   npx tsx test/support/measure-hostile.ts [name...]
// Each run is killed past 120 s or 4 GiB (reported as such).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dictionaryRunParquet, footerBombParquet, lyingCountParquet, manyCaptionsParquet, nullRunParquet, v2MissingFieldParquet, zstdBombParquet } from './hostile-files.js';
import { runImportCli } from './import-child.js';
import { makeTempDir, removeDir } from './temp-dataset.js';

const files: Record<string, () => Promise<Uint8Array> | Uint8Array> = {
  'zstd-bomb': () => zstdBombParquet(),
  'null-run-2^24': () => nullRunParquet(2 ** 24),
  'null-run-2^20': () => nullRunParquet(2 ** 20),
  'dictionary-run-2^20': () => dictionaryRunParquet(2 ** 20, 2 ** 20),
  'dictionary-run-2^24': () => dictionaryRunParquet(2 ** 24, 2 ** 24),
  'dictionary-run-overflow': () => dictionaryRunParquet(2 ** 10, 2 ** 26),
  'many-captions-2^20': () => manyCaptionsParquet(2 ** 20),
  'footer-bomb-16M': () => footerBombParquet(16 * 2 ** 20),
  'footer-bomb-60M': () => footerBombParquet(60 * 2 ** 20),
  'lying-count-2^31': () => lyingCountParquet(2, 2 ** 31 - 1),
  'v2-missing-field-6': () => v2MissingFieldParquet(6),
  'v2-missing-field-5': () => v2MissingFieldParquet(5),
  'v2-page-header-missing-compressed-size': () => v2MissingFieldParquet(3, true),
  'v2-page-header-missing-uncompressed-size': () => v2MissingFieldParquet(2, true),
};

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(files);
  const dir = await makeTempDir('recaption-hostile-');
  try {
    for (const name of names) {
      const file = path.join(dir, `${name}.parquet`);
      const bytes = await files[name]!();
      await fs.writeFile(file, bytes);
      const run = await runImportCli([file, '--out', path.join(dir, `out-${name}`)], { timeoutMs: Number(process.env.MEASURE_TIMEOUT_MS ?? 120_000), maxRssBytes: 4 * 2 ** 30 });
      const last = run.stderr.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
      console.log(`${name} (${bytes.length} bytes): exit ${run.code ?? run.signal}${run.killed ? ` killed (${run.killed})` : ''}, ${(run.wallMs / 1000).toFixed(1)} s, peak ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB: ${last.slice(0, 300)}`);
    }
  } finally {
    await removeDir(dir);
  }
}

void main();

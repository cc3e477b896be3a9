// A dataset where it lives, end to end, as a user runs it: a Parquet file with an alt-text column is
// imported, captioned by the tiny model, reviewed, exported as Parquet, read back by an independent
// reader (DuckDB), and pushed to a local Hub server that speaks the client's real endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DuckDBBlobValue } from '@duckdb/node-api';
import { query } from '../support/duckdb-query.js';
import { parse as parseYaml } from 'yaml';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { SCRIPTED_CAPTIONS } from '../support/models/tiny-models.js';
import { BLUE, COLOUR_WORD, GREEN, RED, TINY_FLORENCE2, removeDir, tempDir, writeImage, type Rgb } from './captioner-fixture.js';
import { hfColumns, sha256, writeParquet, type TestImage } from '../support/import-fixtures.js';
import { startHubTestServer } from '../support/hub-test-server.js';

const cliEntry = path.join(__dirname, '../../src/cli/main.ts');

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:9', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}


const COLOURS: readonly Rgb[] = [RED, GREEN, BLUE, RED, GREEN, BLUE];

/** The tiny model's DSC for a colour, as the tokenizer decodes it (no space before a period). */
const dscOf = (rgb: Rgb) => SCRIPTED_CAPTIONS.dsc(COLOUR_WORD.get(rgb)!).replace(/ \./g, '.');

test('import → caption → review → export parquet → read back → push to the Hub', async () => {
  const dir = await tempDir('recaption-round-trip-');
  const hub = await startHubTestServer({ token: 'hf_roundtrip', user: 'curator' });
  try {
    // A Parquet of the Hugging Face layout: the Image struct and an alt-text column.
    const images: TestImage[] = [];
    for (const [i, rgb] of COLOURS.entries()) {
      const file = path.join(dir, 'src', `${i}.png`);
      await writeImage(file, rgb);
      const bytes = await fs.readFile(file);
      images.push({ bytes, width: 64, height: 48, format: 'png', sha256: sha256(bytes) });
    }
    const alts = COLOURS.map((rgb, i) => `web alt-text ${i}: a ${COLOUR_WORD.get(rgb)} thing`);
    const source = path.join(dir, 'cc-subset.parquet');
    await writeParquet(source, hfColumns(images, alts), { rowGroupSize: 4 });

    const dataset = path.join(dir, 'dataset');
    const imported = await cli(['import', source, '--out', dataset]);
    assert.equal(imported.status, 0, imported.stderr);
    const captioned = await cli(['caption', dataset, '--model', TINY_FLORENCE2, '--batch-size', '3']);
    assert.equal(captioned.status, 0, captioned.stderr);

    // Review as an annotator does, through the store the editor writes through.
    const store = await ManifestStore.open(dataset);
    const names = [...store.names()].sort();
    assert.equal(names.length, 6);
    const byRow = new Map(names.map((name) => [Number(store.get(name)!.source_row), name]));
    for (const [row, rgb] of COLOURS.entries()) {
      const record = store.get(byRow.get(row)!)!;
      assert.deepEqual(record.alt, { text: alts[row], source: 'parquet' });
      assert.equal(record.sha256, images[row]!.sha256, 'the image as it was in the Parquet');
      assert.equal(record.dsc?.text, dscOf(rgb));
    }
    const edited = byRow.get(1)!;
    store.writeHumanCaption(edited, 'dsc', 'A person wrote this description.');
    for (const row of [0, 1, 2, 3]) store.setReview(byRow.get(row)!, 'dsc', 'approved');
    store.setReview(byRow.get(4)!, 'dsc', 'rejected');
    await store.save();

    const exported = path.join(dir, 'export');
    const exportRun = await cli(['export', dataset, '--profile', 't2i', '--format', 'parquet', '--out', exported, '--ratio', '0.5', '--val', '0', '--license', 'cc-by-4.0']);
    assert.equal(exportRun.status, 0, exportRun.stderr);
    const rows = await query(`SELECT image.bytes AS bytes, image.path AS path, text, caption_source, "by" FROM read_parquet('${path.join(exported, 'data', '*.parquet')}')`);
    assert.equal(rows.length, 4, 'the approved DSCs; the rejected and the unreviewed stay home');
    for (const row of rows) {
      const fileName = String(row.path);
      const sourceRow = [...byRow].find(([, name]) => name === fileName)![0];
      assert.ok(sourceRow <= 3);
      assert.equal(sha256((row.bytes as DuckDBBlobValue).bytes), images[sourceRow]!.sha256, `${fileName}: the imported image's bytes`);
      if (row.caption_source === 'alt') assert.equal(row.text, alts[sourceRow]);
      else if (sourceRow === 1) assert.deepEqual([row.text, row.by], ['A person wrote this description.', 'human']);
      else assert.deepEqual([row.text, row.by], [dscOf(COLOURS[sourceRow]!), 'model']);
    }
    const card = await fs.readFile(path.join(exported, 'README.md'), 'utf8');
    const header = parseYaml(card.split('---\n')[1]!) as { license: string; configs: { data_files: { split: string; path: string }[] }[]; dataset_info: { splits: { name: string; num_examples: number }[] } };
    assert.equal(header.license, 'cc-by-4.0');
    assert.deepEqual(header.configs[0]!.data_files, [{ split: 'train', path: 'data/train-*' }]);
    assert.deepEqual(header.dataset_info.splits, [{ name: 'train', num_examples: 4 }]);

    const pushed = await cli(['push', exported, '--repo', 'curator/recaptioned', '--private'], { HF_TOKEN: 'hf_roundtrip', HF_ENDPOINT: hub.url });
    assert.equal(pushed.status, 0, pushed.stderr);
    assert.doesNotMatch(pushed.stdout + pushed.stderr, /hf_roundtrip/, 'the token is never printed');
    const repo = hub.repo('curator/recaptioned')!;
    assert.ok(repo.private);
    for (const file of ['README.md', 'export.json', 'data/train-00000-of-00001.parquet', 'card/caption-lengths.png']) {
      assert.equal(sha256(repo.files.get(file)!), sha256(await fs.readFile(path.join(exported, file))), `${file} on the Hub`);
    }
  } finally {
    await hub.close();
    await removeDir(dir);
  }
});

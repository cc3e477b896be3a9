// Datasets where they live, inside a real VS Code: Import Dataset on a .parquet file (as the Explorer
// invokes it), then Export Fine-Tune Set → Push to Hugging Face Hub against a local Hub server that speaks
// the endpoints the official client calls, with the token in VS Code's SecretStorage.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetReadObjects } from 'hyparquet';
import { startHubTestServer } from '../../support/hub-test-server.js';
import { closeAllEditors } from './fixtures.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function writeParquet(file: string, images: Buffer[], alts: string[]): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'image', data: images.map((bytes, i) => ({ bytes, path: `web-${i}.png` })) },
      { name: 'caption', data: alts },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'caption', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ],
  });
  await fs.writeFile(file, new Uint8Array(buffer));
}

describe('Import Dataset and Push to Hugging Face Hub', () => {
  afterEach(async () => {
    await closeAllEditors();
    await vscode.workspace.getConfiguration('recaption').update('hub.endpoint', undefined, vscode.ConfigurationTarget.Global);
  });

  it('imports a Parquet file into a dataset, exports it as Parquet and pushes it with the stored token', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-datasets-'));
    const hub = await startHubTestServer({ token: 'hf_extensionhost', user: 'curator' });
    try {
      const images = await Promise.all([0, 1, 2].map((i) => sharp({ create: { width: 16 + i, height: 12, channels: 3, background: { r: 60 * i, g: 90, b: 200 } } }).png().toBuffer()));
      const source = path.join(work, 'subset.parquet');
      await writeParquet(source, images, ['a blue tile', 'another blue tile', 'a third tile']);

      const dataset = path.join(work, 'dataset');
      await vscode.commands.executeCommand('recaption.importDataset', vscode.Uri.file(source), { out: dataset });
      const lines = (await fs.readFile(path.join(dataset, 'recaption.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file_name: string; alt: { text: string; source: string } });
      assert.deepEqual(lines.map((l) => l.alt.source), ['parquet', 'parquet', 'parquet']);
      assert.deepEqual(lines.map((l) => l.alt.text).sort(), ['a blue tile', 'a third tile', 'another blue tile']);

      // Descriptions written by another tool into the manifest (the file is the truth).
      const described = lines.map((l) => JSON.stringify({ ...l, dsc: { text: `described: ${l.alt.text}`, by: 'human', review: 'approved' } }));
      await fs.writeFile(path.join(dataset, 'recaption.jsonl'), described.join('\n') + '\n');

      await vscode.commands.executeCommand('recaption.setHubToken', 'hf_extensionhost');
      await vscode.workspace.getConfiguration('recaption').update('hub.endpoint', hub.url, vscode.ConfigurationTarget.Global);
      // t2i with a ratio of 0: every image goes out with its imported alt-text.
      await vscode.commands.executeCommand('recaption.exportFineTuneSet', vscode.Uri.file(dataset), {
        profile: 't2i',
        format: 'parquet',
        ratio: 0,
        select: 'unrejected',
        hub: { repo: 'curator/imported', private: true },
      });
      const repo = hub.repo('curator/imported');
      assert.ok(repo, 'the repo was created');
      assert.ok(repo.private);
      const files = [...repo.files.keys()].sort();
      assert.ok(files.includes('README.md') && files.includes('export.json'), files.join(', '));
      const shard = files.find((f) => /^data\/train-00000-of-0000\d\.parquet$/.test(f));
      assert.ok(shard, `a Parquet shard in ${files.join(', ')}`);
      // The images inside the pushed shard are the imported ones, byte for byte.
      const shardBytes = repo.files.get(shard)!;
      for (const image of images) assert.ok(shardBytes.includes(image), `image ${sha256(image).slice(0, 8)} inside the shard`);
      const file = shardBytes.buffer.slice(shardBytes.byteOffset, shardBytes.byteOffset + shardBytes.byteLength) as ArrayBuffer;
      const rows = (await parquetReadObjects({ file, columns: ['text', 'caption_source'] })) as { text: string; caption_source: string }[];
      assert.deepEqual(rows.map((r) => r.text).sort(), ['a blue tile', 'a third tile', 'another blue tile']);
      assert.deepEqual(new Set(rows.map((r) => r.caption_source)), new Set(['alt']));
      assert.ok(!hub.requests.some((r) => r.url.includes('hf_extensionhost')), 'the token never goes into a URL');
    } finally {
      await hub.close();
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});

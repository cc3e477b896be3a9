// Export Fine-Tune Set and Show Caption Report through their commands, as the Explorer and the caption
// editor's title bar invoke them (a Uri of the folder or of recaption.jsonl).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { activeTab, closeAllEditors, makeDataset, manifestUri, waitUntil } from './fixtures.js';

interface ExportJson {
  profile: string;
  format: string;
  counts: { total: number; train: number; validation: number };
  manifest_sha256?: string;
}

function reportTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Caption Report: '));
}

describe('Export and report commands', () => {
  afterEach(async () => {
    await closeAllEditors();
  });

  it('are registered with the other commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['recaption.exportFineTuneSet', 'recaption.showReport']) assert.ok(commands.includes(c), `${c} is registered`);
  });

  it('Export Fine-Tune Set on a folder writes the export and export.json', async () => {
    const folder = await makeDataset(4, true);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-'));
    await vscode.commands.executeCommand('recaption.exportFineTuneSet', vscode.Uri.file(folder), { profile: 'dsc', format: 'hf', out, images: 'copy', select: 'unrejected', force: true });
    const record = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as ExportJson;
    assert.equal(record.profile, 'dsc');
    assert.equal(record.format, 'hf');
    assert.equal(record.counts.total, 4);
    assert.equal(record.counts.train + record.counts.validation, 4);
    // The captions in the metadata are the dataset's DSCs.
    const metadata = (
      await Promise.all(
        ['train', 'validation'].map((split) => fs.readFile(path.join(out, split, 'metadata.jsonl'), 'utf8').catch(() => '')),
      )
    ).join('\n');
    for (let i = 0; i < 4; i++) assert.ok(metadata.includes(`machine long description ${i}`), `DSC ${i} exported`);
  });

  it('Export Fine-Tune Set of a selection exports only those images and says so in export.json', async () => {
    const folder = await makeDataset(6, true);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-'));
    await vscode.commands.executeCommand('recaption.exportFineTuneSet', manifestUri(folder), { profile: 'ssc', format: 'sidecar', out, images: 'none', select: 'unrejected', force: true, only: ['img-001.png', 'img-004.png'] });
    const record = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as ExportJson & { only: number | null };
    assert.equal(record.only, 2);
    assert.equal(record.counts.total, 2);
    const texts = (await Promise.all(['train', 'validation'].map((split) => fs.readdir(path.join(out, split)).catch(() => [] as string[])))).flat().filter((f) => f.endsWith('.txt'));
    assert.deepEqual(texts.sort(), ['img-001.txt', 'img-004.txt']);
  });

  it('Export Fine-Tune Set without a selection exports approved captions only, as the CLI does', async () => {
    const folder = await makeDataset(3, true);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-'));
    await vscode.commands.executeCommand('recaption.exportFineTuneSet', vscode.Uri.file(folder), { profile: 'ssc', format: 'hf', out, images: 'none', force: true });
    const record = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as ExportJson & { select: string };
    assert.equal(record.select, 'approved');
    assert.equal(record.counts.total, 0, 'the machine captions are not approved');
  });

  it('Export Fine-Tune Set to Parquet without images writes its rows from the texts thread in the extension host', async () => {
    // The texts thread gathers the rows and starts the Parquet thread itself: a thread started by a thread.
    const folder = await makeDataset(4, true);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-'));
    await vscode.commands.executeCommand('recaption.exportFineTuneSet', vscode.Uri.file(folder), { profile: 'dsc', format: 'parquet', out, images: 'none', select: 'unrejected', force: true });
    const rows: { file_name: string; text: string; by: string; width: number }[] = [];
    for (const name of await fs.readdir(path.join(out, 'data'))) {
      const bytes = await fs.readFile(path.join(out, 'data', name));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      rows.push(...((await parquetReadObjects({ file, columns: ['file_name', 'text', 'by', 'width'] })) as typeof rows));
    }
    assert.deepEqual(
      rows.map((r) => [r.file_name, r.text, r.by, r.width]).sort(),
      [0, 1, 2, 3].map((i) => [`img-00${i}.png`, `machine long description ${i}`, 'model', 64 + i]),
    );
  });

  it('Export Fine-Tune Set on recaption.jsonl uses its folder', async () => {
    const folder = await makeDataset(2, true);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-export-'));
    await vscode.commands.executeCommand('recaption.exportFineTuneSet', manifestUri(folder), { profile: 'ssc', format: 'sidecar', out, images: 'none', select: 'unrejected', force: true });
    const record = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as ExportJson;
    assert.equal(record.profile, 'ssc');
    assert.equal(record.counts.total, 2);
  });

  it('Show Caption Report opens one report panel per dataset', async () => {
    const folder = await makeDataset(3, true);
    await vscode.commands.executeCommand('recaption.showReport', vscode.Uri.file(folder));
    const title = `Caption Report: ${path.basename(folder)}`;
    await waitUntil('the report panel', () => activeTab()?.label === title);
    // Shown again (from the manifest this time): the same panel, not a second one.
    await vscode.commands.executeCommand('recaption.showReport', manifestUri(folder));
    await waitUntil('the report panel again', () => activeTab()?.label === title);
    assert.equal(reportTabs().filter((t) => t.label === title).length, 1);
  });

  it('Show Caption Report from the caption editor reports that editor’s dataset', async () => {
    const folder = await makeDataset(2, true);
    await vscode.commands.executeCommand('recaption.openEditor', vscode.Uri.file(folder));
    await waitUntil('the caption editor', () => activeTab()?.input instanceof vscode.TabInputCustom);
    // No Uri: the command takes the active caption editor's folder, as the palette would.
    await vscode.commands.executeCommand('recaption.showReport');
    await waitUntil('the report panel', () => activeTab()?.label === `Caption Report: ${path.basename(folder)}`);
  });
});

// The caption editor inside a real VS Code: activation, commands, and the custom document's
// edit / undo / redo / save / revert / backup cycle, through VS Code's own commands where they exist.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptionDocument } from '../../../src/extension/editor/caption-document.js';
import { applyReplaceChanges } from '../../../src/core/document/editor-edits.js';
import { ManifestRegistry } from '../../../src/core/document/manifest-registry.js';
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';
import { activeTab, api, closeAllEditors, makeDataset, manifestUri, readManifest, waitUntil, EXTENSION_ID } from './fixtures.js';
import { EMPTY_QUERY } from '../../../src/shared/record-query.js';

const VIEW_TYPE = 'recaption.captionEditor';

async function openEditor(folder: string) {
  const { provider } = await api();
  const uri = manifestUri(folder);
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  const doc = await waitUntil('the caption document', () => provider.openDocuments().find((d) => d.uri.fsPath === uri.fsPath));
  await doc.ready;
  return { provider, doc, uri };
}

describe('Recaption extension', () => {
  afterEach(async () => {
    await closeAllEditors();
  });

  it('activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    const exports = await api();
    assert.ok(exports.provider && exports.jobs, 'activate() returns the API');
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['recaption.recaptionFolder', 'recaption.openEditor', 'recaption.pickModelFolder', 'recaption.cancelRun']) {
      assert.ok(commands.includes(c), `${c} is registered`);
    }
  });

  it('opens recaption.jsonl in the caption editor and renders the first rows', async () => {
    const folder = await makeDataset(4, true);
    const { provider } = await api();
    const rendered = new Promise<{ rows: number }>((resolve) => {
      const sub = provider.onDidFirstRender((e) => {
        sub.dispose();
        resolve(e);
      });
    });
    await vscode.commands.executeCommand('recaption.openEditor', vscode.Uri.file(folder));
    const tab = await waitUntil('the editor tab', () => {
      const t = activeTab();
      return t?.input instanceof vscode.TabInputCustom && t.input.viewType === VIEW_TYPE ? t : undefined;
    });
    assert.equal((tab.input as vscode.TabInputCustom).uri.fsPath, manifestUri(folder).fsPath);
    const first = await Promise.race([rendered, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('webview never rendered a row')), 30_000))]);
    assert.ok(first.rows >= 4, `rendered ${first.rows} rows`);
    // Reviewing loads no captioner: transformers.js and ONNX Runtime wait for a captioning run.
    const loaded = Object.keys(require.cache).filter((m) => /[\\/](onnxruntime-node|@huggingface[\\/]transformers)[\\/]/.test(m));
    assert.deepEqual(loaded, []);
  });

  it('edit, undo, redo, save: dirty marker, disk content and the human-edit provenance', async () => {
    const folder = await makeDataset(3, true);
    const { doc } = await openEditor(folder);
    assert.equal(activeTab()?.isDirty, false);

    assert.deepEqual(await doc.session.edit({ op: 'text', fileName: 'img-001.png', kind: 'dsc', text: 'a person wrote this' }), { applied: true });
    await waitUntil('dirty marker', () => activeTab()?.isDirty === true);
    assert.equal(doc.model.get('img-001.png')!.dsc!.by, 'human');

    await vscode.commands.executeCommand('undo');
    await waitUntil('undo restores the machine caption', () => doc.model.get('img-001.png')!.dsc!.by === 'model');
    assert.equal(doc.model.get('img-001.png')!.dsc!.text, 'machine long description 1');
    await waitUntil('clean after undo', () => activeTab()?.isDirty === false);

    await vscode.commands.executeCommand('redo');
    await waitUntil('redo re-applies the edit', () => doc.model.get('img-001.png')!.dsc!.text === 'a person wrote this');
    await doc.session.edit({ op: 'review', fileName: 'img-001.png', kind: 'dsc', review: 'approved' });

    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('clean after save', () => activeTab()?.isDirty === false);
    const onDisk = await readManifest(folder);
    assert.equal(onDisk['img-001.png']!.dsc!.text, 'a person wrote this');
    assert.equal(onDisk['img-001.png']!.dsc!.by, 'human');
    assert.equal(onDisk['img-001.png']!.dsc!.review, 'approved');
    assert.equal(onDisk['img-001.png']!.dsc!.original, 'machine long description 1');
    assert.equal(onDisk['img-000.png']!.dsc!.by, 'model', 'untouched records stay machine-written');
    // no temp files left beside the manifest (atomic save renames over it)
    const leftovers = (await fs.readdir(folder)).filter((f) => f.startsWith('recaption.jsonl') && f !== 'recaption.jsonl');
    assert.deepEqual(leftovers, []);
  });

  it('revert drops unsaved edits and reloads the file', async () => {
    const folder = await makeDataset(2, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'ssc', text: 'to be reverted' });
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitUntil('clean after revert', () => activeTab()?.isDirty === false);
    await waitUntil('the reverted text', () => doc.model.get('img-000.png')!.ssc!.text === 'machine short 0');
    assert.equal(doc.model.hasUnsavedEdits, false);
    assert.equal((await readManifest(folder))['img-000.png']!.ssc!.text, 'machine short 0');
  });

  it('backs up only the unsaved edits and restores them on reopen', async () => {
    const folder = await makeDataset(5, true);
    const { provider, doc, uri } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-002.png', kind: 'ssc', text: 'unsaved human text' });
    await doc.session.edit({ op: 'review', fileName: 'img-003.png', kind: 'dsc', review: 'rejected' });
    const destination = vscode.Uri.file(path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'backup-')), 'b.json'));
    const backup = await provider.backupCustomDocument(doc, { destination });
    const body = JSON.parse(await fs.readFile(destination.fsPath, 'utf8')) as { captions: { fileName: string; kind: string }[] };
    assert.deepEqual(body.captions.map((c) => `${c.fileName}:${c.kind}`).sort(), ['img-002.png:ssc', 'img-003.png:dsc']);
    assert.ok(!(await fs.readFile(destination.fsPath, 'utf8')).includes('img-000.png'), 'the backup does not hold the whole manifest');

    // What VS Code does after a crash: open the document again from the backup.
    const restored = await CaptionDocument.open(uri, backup.id, new ManifestRegistry(), provider.patterns);
    assert.equal(restored.model.get('img-002.png')!.ssc!.text, 'unsaved human text');
    assert.equal(restored.model.get('img-002.png')!.ssc!.by, 'human');
    assert.equal(restored.model.get('img-003.png')!.dsc!.review, 'rejected');
    assert.equal(restored.model.hasUnsavedEdits, true);
    restored.dispose();
    backup.delete();
  });

  it('a change on disk under unsaved edits keeps both sides when merged', async () => {
    const folder = await makeDataset(3, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'ssc', text: 'my unsaved edit' });
    // Another writer changes a different caption on disk.
    const text = await fs.readFile(manifestUri(folder).fsPath, 'utf8');
    await fs.writeFile(manifestUri(folder).fsPath, text.replace('machine short 2', 'written by another tool'));
    await doc.model.mergeFromDisk();
    assert.equal(doc.model.get('img-000.png')!.ssc!.text, 'my unsaved edit');
    assert.equal(doc.model.get('img-002.png')!.ssc!.text, 'written by another tool');
    assert.equal(doc.model.hasUnsavedEdits, true);
  });

  it('edit, undo, a teammate\'s edit lands on disk, edit another image, Ctrl+S: the teammate\'s edit stays', async () => {
    const folder = await makeDataset(3, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'dsc', text: 'typed, then undone' });
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('undo');
    await waitUntil('clean after the undo', () => activeTab()?.isDirty === false);
    assert.equal(doc.model.hasUnsavedEdits, false);
    // A teammate's git pull: their human edit of the same caption, written to a new file renamed over the old.
    const teammate = await ManifestStore.open(folder);
    teammate.writeHumanCaption('img-000.png', 'dsc', "the teammate's description");
    await teammate.saveTo(path.join(folder, 'pulled.tmp'));
    await fs.rename(path.join(folder, 'pulled.tmp'), manifestUri(folder).fsPath);
    await doc.session.edit({ op: 'text', fileName: 'img-001.png', kind: 'dsc', text: 'my edit of another image' });
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('saved', () => activeTab()?.isDirty === false);
    const disk = await readManifest(folder);
    assert.equal(disk['img-000.png']!.dsc!.text, "the teammate's description");
    assert.equal(disk['img-000.png']!.dsc!.by, 'human');
    assert.equal(disk['img-001.png']!.dsc!.text, 'my edit of another image');
    assert.equal(doc.model.get('img-000.png')!.dsc!.text, "the teammate's description");
  });

  it('save merges a file changed on disk instead of overwriting it', async () => {
    const folder = await makeDataset(3, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-001.png', kind: 'ssc', text: 'edit while disk changes' });
    const file = manifestUri(folder).fsPath;
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.replace('machine long description 2', 'new machine result'));
    await doc.save();
    const onDisk = await readManifest(folder);
    assert.equal(onDisk['img-001.png']!.ssc!.text, 'edit while disk changes');
    assert.equal(onDisk['img-002.png']!.dsc!.text, 'new machine result');
  });

  it('find & replace is one undoable edit', async () => {
    const folder = await makeDataset(4, true);
    const { doc } = await openEditor(folder);
    const changed = applyReplaceChanges(doc.model, [
      { fileName: 'img-000.png', kind: 'ssc', before: 'machine short 0', after: 'person short 0' },
      { fileName: 'img-001.png', kind: 'ssc', before: 'machine short 1', after: 'person short 1' },
    ]);
    assert.equal(changed, 2);
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('undo');
    await waitUntil('one undo reverts both', () => doc.model.get('img-000.png')!.ssc!.text === 'machine short 0' && doc.model.get('img-001.png')!.ssc!.text === 'machine short 1');
  });

  it('multi-select bulk approve of a filtered selection is one undoable edit; undo, redo, save', async () => {
    const folder = await makeDataset(620, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'review', fileName: 'img-010.png', kind: 'dsc', review: 'rejected' });
    // Selected within the "unreviewed" filter, with a gap: Shift+click ranges and a Ctrl+click.
    const query = { ...EMPTY_QUERY, review: 'unreviewed' as const };
    const result = await doc.session.bulkReview({ query, ranges: [[0, 300], [400, 620]], kinds: ['ssc', 'dsc'], review: 'approved' });
    assert.equal(result.kept, 1, "the person's rejection is left alone");
    assert.equal(result.changed, 2 * 520 - 1);
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    assert.equal(doc.model.get('img-000.png')!.dsc!.review, 'approved');
    assert.equal(doc.model.get('img-350.png')!.dsc!.review, null, 'the gap stays unreviewed');
    assert.equal(doc.model.getCounts().approved, 519);

    await vscode.commands.executeCommand('undo');
    await waitUntil('one undo takes the whole bulk review back', () => doc.model.get('img-000.png')!.dsc!.review === null && doc.model.get('img-619.png')!.ssc!.review === null);
    assert.equal(doc.model.get('img-010.png')!.dsc!.review, 'rejected', 'the single review before it stays');
    assert.equal(doc.model.getCounts().approved, 0);
    await vscode.commands.executeCommand('redo');
    await waitUntil('redo', () => doc.model.get('img-619.png')!.ssc!.review === 'approved');

    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('clean after save', () => activeTab()?.isDirty === false);
    const onDisk = await readManifest(folder);
    const approved = Object.values(onDisk).filter((r) => r.ssc!.review === 'approved' && r.dsc!.review === 'approved').length;
    assert.equal(approved, 519);
    assert.equal(onDisk['img-350.png']!.ssc!.review, null);
    assert.equal(onDisk['img-010.png']!.dsc!.review, 'rejected');
  });
  it('find & replace and normalize act on the multi-selection only, within the filter, each one undoable edit', async () => {
    const folder = await makeDataset(12, true);
    const { doc } = await openEditor(folder);
    await doc.session.bulkReview({ query: EMPTY_QUERY, ranges: [[5, 6]], kinds: ['ssc', 'dsc'], review: 'approved' });
    // Saved, so that each edit below shows as dirty and its undo as clean again (VS Code has seen each).
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('clean after save', () => activeTab()?.isDirty === false);
    // Under "unreviewed", img-005 is gone: positions 3..6 are img-003, img-004, img-006, img-007.
    const query = { ...EMPTY_QUERY, review: 'unreviewed' as const };
    const ssc = (i: number) => doc.model.get(`img-${String(i).padStart(3, '0')}.png`)!.ssc!.text;
    const dsc = (i: number) => doc.model.get(`img-${String(i).padStart(3, '0')}.png`)!.dsc!.text;
    const replace = await doc.session.applyReplace({ query, ranges: [[3, 5], [5, 7]], find: 'machine', replace: 'person', regex: false, caseSensitive: true, fields: ['ssc'] });
    assert.equal(replace.changed, 4);
    assert.deepEqual([2, 3, 4, 5, 6, 7, 8].map(ssc), ['machine short 2', 'person short 3', 'person short 4', 'machine short 5', 'person short 6', 'person short 7', 'machine short 8']);
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('undo');
    await waitUntil('one undo takes the replace back', () => [3, 4, 6, 7].every((i) => ssc(i) === `machine short ${i}`) && activeTab()?.isDirty === false);

    const normalize = await doc.session.applyNormalize({ query, ranges: [[0, 2]], stripOpening: false, cutClosing: false, trailingPeriod: 'add', fields: ['dsc'], includeProtected: false });
    assert.equal(normalize.changed, 2);
    assert.deepEqual([0, 1, 2].map(dsc), ['machine long description 0.', 'machine long description 1.', 'machine long description 2']);
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('undo');
    await waitUntil('one undo takes the normalize back', () => dsc(0) === 'machine long description 0' && dsc(1) === 'machine long description 1' && activeTab()?.isDirty === false);
    assert.equal(doc.model.get('img-005.png')!.ssc!.review, 'approved', 'the bulk review before them stays');
  });
});

// The caption editor's normalizers (issue 5): the plan the Normalize panel previews, applied through the
// custom document as ONE undoable edit that marks the editor dirty; captions a person owns are left alone.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';
import { planNormalization } from '../../../src/core/document/normalize-plan.js';
import { applyNormalizationChanges } from '../../../src/core/document/editor-edits.js';
import { EMPTY_QUERY, type NormalizeSpec } from '../../../src/shared/protocol.js';
import { activeTab, api, closeAllEditors, makeDataset, manifestUri, readManifest, waitUntil } from './fixtures.js';

const HABITS: Record<string, string> = {
  'img-000.png': 'The image shows a red square on white. Overall, the image conveys calm.',
  'img-001.png': 'This is a green square',
  'img-002.png': 'A blue square, nothing else.',
};

const ALL: NormalizeSpec = { query: EMPTY_QUERY, ranges: [], stripOpening: true, cutClosing: true, trailingPeriod: 'add', fields: ['ssc', 'dsc'], includeProtected: false };

describe('Normalize captions in the editor', () => {
  afterEach(async () => {
    await closeAllEditors();
  });

  it('previews, then applies as one undoable edit; human captions are left out', async () => {
    const folder = await makeDataset(4, true);
    const store = await ManifestStore.open(folder);
    for (const [name, text] of Object.entries(HABITS)) store.writeMachineCaption(name, 'dsc', { text, by: 'model', model: 'tiny' }, { override: true });
    store.writeHumanCaption('img-003.png', 'dsc', 'The image shows what a person wrote');
    await store.save();

    const { provider } = await api();
    await vscode.commands.executeCommand('vscode.openWith', manifestUri(folder), 'recaption.captionEditor');
    const doc = await waitUntil('the caption document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;

    const plan = planNormalization(doc.model.records(), ALL);
    const dscAfter = Object.fromEntries(plan.filter((c) => c.kind === 'dsc').map((c) => [c.fileName, c.after]));
    assert.deepEqual(dscAfter, {
      'img-000.png': 'A red square on white.',
      'img-001.png': 'A green square.',
    });
    // The SSCs ("machine short N") only gain a period; the human DSC is not in the plan.
    assert.equal(plan.filter((c) => c.kind === 'ssc').length, 4);
    assert.ok(plan.every((c) => c.fileName !== 'img-003.png' || c.kind !== 'dsc'));
    // A filter narrows it, as in find & replace: the panel's preview plans over what the filter shows.
    const narrowed = await provider.requestHandlers(doc)!.previewNormalize({ ...ALL, query: { ...EMPTY_QUERY, text: 'green' } });
    assert.equal(narrowed.total, 2);

    const applied = applyNormalizationChanges(doc.model, plan, false);
    assert.equal(applied, plan.length);
    await waitUntil('dirty marker', () => activeTab()?.isDirty === true);
    const normalized = doc.model.get('img-000.png')!.dsc!;
    assert.equal(normalized.text, 'A red square on white.');
    assert.equal(normalized.by, 'human', 'a normalized caption is the user’s edit');
    assert.equal(normalized.original, HABITS['img-000.png']);
    assert.equal(doc.model.get('img-003.png')!.dsc!.text, 'The image shows what a person wrote');
    assert.equal((await readManifest(folder))['img-000.png']!.dsc!.text, HABITS['img-000.png'], 'not on disk before save');

    // One undo reverts every caption the apply changed.
    await vscode.commands.executeCommand('undo');
    await waitUntil('one undo reverts all', () =>
      Object.entries(HABITS).every(([name, text]) => doc.model.get(name)!.dsc!.text === text && doc.model.get(name)!.dsc!.by === 'model'),
    );
    assert.equal(doc.model.get('img-000.png')!.ssc!.text, 'machine short 0');
    await waitUntil('clean after undo', () => activeTab()?.isDirty === false);

    await vscode.commands.executeCommand('redo');
    await waitUntil('redo', () => doc.model.get('img-001.png')!.dsc!.text === 'A green square.');
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('saved', async () => (await readManifest(folder))['img-001.png']!.dsc!.text === 'A green square.');
  });

  it('a caption changed since the preview is skipped', async () => {
    const folder = await makeDataset(2, true);
    const { provider } = await api();
    await vscode.commands.executeCommand('vscode.openWith', manifestUri(folder), 'recaption.captionEditor');
    const doc = await waitUntil('the caption document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;
    const plan = planNormalization(doc.model.records(), { ...ALL, fields: ['ssc'] });
    assert.equal(plan.length, 2);
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'ssc', text: 'typed meanwhile' });
    assert.equal(applyNormalizationChanges(doc.model, plan, false), 1);
    assert.equal(doc.model.get('img-000.png')!.ssc!.text, 'typed meanwhile');
    assert.equal(doc.model.get('img-001.png')!.ssc!.text, 'machine short 1.');
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitUntil('clean after revert', () => activeTab()?.isDirty === false);
  });
});

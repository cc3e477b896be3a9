// Recaption Folder through the extension with the generated tiny Florence-2 model (real ONNX Runtime):
// captions land in the manifest, a re-run never overwrites a human, and a run into a manifest open with
// unsaved edits loses neither the edits nor the machine results.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { activeTab, api, closeAllEditors, EXTENSION_ID, makeDataset, manifestUri, readManifest, waitUntil } from './fixtures.js';

async function useTinyModel(redo: 'missing' | 'machine'): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const config = vscode.workspace.getConfiguration('recaption');
  await config.update('model', path.join(ext.extensionPath, 'test/fixtures/models/tiny-florence2'), vscode.ConfigurationTarget.Global);
  await config.update('device', 'cpu', vscode.ConfigurationTarget.Global);
  await config.update('redo', redo, vscode.ConfigurationTarget.Global);
}

describe('Recaption Folder', function () {
  this.timeout(180_000);

  afterEach(async () => {
    await closeAllEditors();
    await vscode.workspace.getConfiguration('recaption').update('redo', undefined, vscode.ConfigurationTarget.Global);
  });

  it('scans, captions with the tiny Florence-2 model, opens the editor; a re-run leaves human captions alone', async () => {
    await useTinyModel('missing');
    const folder = await makeDataset(3, false);
    const { jobs, provider } = await api();
    await vscode.commands.executeCommand('recaption.recaptionFolder', vscode.Uri.file(folder));
    const first = await readManifest(folder);
    assert.deepEqual(Object.keys(first).sort(), ['img-000.png', 'img-001.png', 'img-002.png']);
    for (const r of Object.values(first)) {
      assert.equal(r.ssc?.by, 'model');
      assert.equal(r.dsc?.by, 'model');
      assert.ok(r.ssc!.text.length > 0 && r.dsc!.text.length > 0);
    }
    const doc = await waitUntil('the editor opened after the run', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;

    // A person edits a DSC and approves an SSC, and saves.
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'dsc', text: 'a human description' });
    await doc.session.edit({ op: 'review', fileName: 'img-001.png', kind: 'ssc', review: 'approved' });
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('saved', async () => (await readManifest(folder))['img-000.png']!.dsc!.by === 'human');

    // Re-caption every machine caption: the human-written and the reviewed ones must survive.
    await useTinyModel('machine');
    const outcome = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(outcome.error, null);
    assert.ok((outcome.result?.protected ?? 0) >= 2, `protected ${outcome.result?.protected}`);
    const after = await readManifest(folder);
    assert.equal(after['img-000.png']!.dsc!.text, 'a human description');
    assert.equal(after['img-000.png']!.dsc!.by, 'human');
    assert.equal(after['img-001.png']!.ssc!.review, 'approved');
    assert.equal(after['img-002.png']!.dsc!.by, 'model');
  });

  it('a run into a manifest open with unsaved edits writes through the editor\'s model: its captions land, the edits stay unsaved and on top', async () => {
    await useTinyModel('missing');
    const folder = await makeDataset(4, false);
    const { jobs, provider } = await api();
    // Caption all four first, then clear two, so the second run has work to do.
    await jobs.recaption(vscode.Uri.file(folder), false);
    const { ManifestStoreForTest } = await import('./store-access.js');
    await ManifestStoreForTest.clearCaptions(folder, ['img-002.png', 'img-003.png']);

    await vscode.commands.executeCommand('recaption.openEditor', vscode.Uri.file(folder));
    const doc = await waitUntil('document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;
    // An unsaved edit on a caption the run is due to write, and one on a caption it is not.
    await doc.session.edit({ op: 'text', fileName: 'img-002.png', kind: 'ssc', text: 'unsaved human ssc' });
    await doc.session.edit({ op: 'text', fileName: 'img-000.png', kind: 'dsc', text: 'unsaved human dsc' });
    await waitUntil('dirty', () => activeTab()?.isDirty === true);

    const outcome = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(outcome.error, null);
    assert.equal(outcome.result?.due, 2);
    // The run's captions are in the editor at once (one model, no file watcher in between) ...
    assert.equal(doc.model.get('img-003.png')?.dsc?.by, 'model');
    assert.equal(doc.model.get('img-002.png')?.dsc?.by, 'model');
    // ... the unsaved edits are still on top and still unsaved ...
    assert.equal(doc.model.get('img-002.png')!.ssc!.text, 'unsaved human ssc');
    assert.equal(doc.model.get('img-000.png')!.dsc!.text, 'unsaved human dsc');
    assert.equal(doc.model.hasUnsavedEdits, true);
    assert.equal(activeTab()?.isDirty, true);
    // ... and the run's checkpoints wrote the saved base only: no unsaved edit on disk, no machine SSC for img-002.
    const disk = await readManifest(folder);
    assert.equal(disk['img-003.png']!.dsc!.by, 'model');
    assert.equal(disk['img-002.png']!.dsc!.by, 'model');
    assert.equal(disk['img-002.png']!.ssc, null, 'the run did not caption over the unsaved SSC');
    assert.equal(disk['img-000.png']!.dsc!.by, 'model');

    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('both on disk', async () => {
      const d = await readManifest(folder);
      return d['img-002.png']!.ssc?.text === 'unsaved human ssc' && d['img-000.png']!.dsc?.text === 'unsaved human dsc' && d['img-003.png']!.dsc?.by === 'model';
    });
    assert.equal(doc.model.hasUnsavedEdits, false);
  });

  it('cancel stops the run and keeps what was done; running again resumes', async () => {
    await useTinyModel('missing');
    const folder = await makeDataset(5, false);
    const { jobs } = await api();
    const running = jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(jobs.isRunning(folder), true);
    jobs.cancel(folder);
    const cancelled = await running;
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.error, null);
    const resumed = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(resumed.cancelled, false);
    const disk = await readManifest(folder);
    assert.equal(Object.keys(disk).length, 5);
    assert.ok(Object.values(disk).every((r) => r.ssc?.by === 'model' && r.dsc?.by === 'model'));
  });
});

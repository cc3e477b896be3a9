// Score Captions and Draw Audit Sample through the extension, with the generated tiny dual encoder: on a
// folder with no editor open the scores and the sample go into the manifest on disk; with the editor open
// and an unsaved edit, the saved texts get their scores and the edit stays unsaved, on top and unscored.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';
import { activeTab, api, closeAllEditors, makeDataset, manifestUri, waitUntil } from './fixtures.js';

const VIEW_TYPE = 'recaption.captionEditor';

interface ScoreOutcome {
  model: string;
  report: { scoredTexts: number; scoredImages: number; failed: unknown[] };
}

describe('Score Captions and Draw Audit Sample', function () {
  this.timeout(120_000);

  before(async () => {
    const ext = vscode.extensions.getExtension('recaption.recaption')!;
    await vscode.workspace.getConfiguration('recaption').update('scoreModel', path.join(ext.extensionPath, 'test/fixtures/models/tiny-clip'), vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('recaption').update('device', 'cpu', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('recaption').update('scoreModel', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('recaption').update('device', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
  });

  it('are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['recaption.scoreCaptions', 'recaption.drawAuditSample']) assert.ok(commands.includes(c), `${c} is registered`);
  });

  it('on a folder: every caption gets a score by the model, and a sample of two is drawn', async () => {
    const folder = await makeDataset(3, true);
    const outcome = (await vscode.commands.executeCommand('recaption.scoreCaptions', vscode.Uri.file(folder))) as ScoreOutcome;
    assert.equal(outcome.model, 'tiny-clip');
    assert.equal(outcome.report.scoredImages, 3);
    const store = await ManifestStore.open(folder);
    for (const record of store.records()) {
      assert.equal(record.score_model, 'tiny-clip');
      assert.equal(typeof record.alt!.score, 'number');
      assert.equal(typeof record.ssc!.score, 'number');
      assert.equal(typeof record.dsc!.score, 'number');
    }
    store.close();
    const audit = (await vscode.commands.executeCommand('recaption.drawAuditSample', vscode.Uri.file(folder), { sample: 2, seed: 5 })) as { marked: number; sampled: number };
    assert.deepEqual({ marked: audit.marked, sampled: audit.sampled }, { marked: 2, sampled: 2 });
    const sampled = await ManifestStore.open(folder);
    assert.equal([...sampled.records()].filter((r) => r.audit === true).length, 2);
    sampled.close();
  });

  it('with the editor open and an unsaved edit: saved texts scored, the edit unsaved, on top and unscored', async () => {
    const folder = await makeDataset(2, true);
    const { provider } = await api();
    await vscode.commands.executeCommand('vscode.openWith', manifestUri(folder), VIEW_TYPE);
    const doc = await waitUntil('the caption document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
    await doc.ready;
    const name = doc.model.names()[0]!;
    assert.deepEqual(await doc.session.edit({ op: 'text', fileName: name, kind: 'dsc', text: 'typed by a person, not saved' }), { applied: true });
    await waitUntil('dirty tab', () => activeTab()?.isDirty);
    const outcome = (await vscode.commands.executeCommand('recaption.scoreCaptions', manifestUri(folder))) as ScoreOutcome;
    // Two images with an alt-text, an SSC and a DSC each, less the edited DSC.
    assert.equal(outcome.report.scoredTexts, 5);
    assert.equal(activeTab()?.isDirty, true);
    assert.equal(doc.model.get(name)!.dsc!.text, 'typed by a person, not saved');
    assert.equal(doc.model.get(name)!.dsc!.score, undefined);
    const onDisk = await ManifestStore.open(folder);
    assert.notEqual(onDisk.get(name)!.dsc!.text, 'typed by a person, not saved');
    assert.equal(typeof onDisk.get(name)!.ssc!.score, 'number');
    assert.equal(typeof onDisk.get(name)!.alt!.score, 'number');
    onDisk.close();
  });
});

// Upsample Captions through the extension against the local OpenAI-compatible test server: on the caption
// editor's selection the result is one undoable edit in the document (dirty, by: upsample), a human DSC is
// never replaced, and on a folder with no editor open the results go into the manifest on disk.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OpenAITestServer } from '../../support/openai-test-server.js';
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';
import { activeTab, api, closeAllEditors, makeDataset, manifestUri, readManifest, waitUntil } from './fixtures.js';
import { filesUnder } from './remote-fixtures.js';

const KEY = 'sk-upsample-integration-51c0de';
const MODEL = 'test-llm';
const VIEW_TYPE = 'recaption.captionEditor';

interface Outcome {
  via: 'editor' | 'disk';
  applied: number;
  report: { upsampled: number; protected: number; failed: unknown[] };
}

async function useUpsampleEndpoint(endpoint: string | undefined): Promise<void> {
  const config = vscode.workspace.getConfiguration('recaption');
  await config.update('upsample.endpoint', endpoint, vscode.ConfigurationTarget.Global);
  await config.update('upsample.model', endpoint ? MODEL : undefined, vscode.ConfigurationTarget.Global);
}

async function openEditor(folder: string) {
  const { provider } = await api();
  await vscode.commands.executeCommand('vscode.openWith', manifestUri(folder), VIEW_TYPE);
  const doc = await waitUntil('the caption document', () => provider.openDocuments().find((d) => d.uri.fsPath === manifestUri(folder).fsPath));
  await doc.ready;
  return { provider, doc };
}

describe('Upsample Captions', function () {
  this.timeout(120_000);
  let server: OpenAITestServer;

  beforeEach(async () => {
    server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
    await useUpsampleEndpoint(server.baseUrl);
    await (await api()).keys.set(server.baseUrl, KEY);
  });

  afterEach(async () => {
    await closeAllEditors();
    await useUpsampleEndpoint(undefined);
    await (await api()).keys.delete(server.baseUrl);
    await server.close();
  });

  it('on the editor’s current image: one undoable edit, by upsample, editor dirty', async () => {
    const folder = await makeDataset(3, true);
    const { provider, doc } = await openEditor(folder);
    // The webview reports the image it shows (the first one) before the command can act on it.
    await waitUntil('the webview selection', () => provider.selectionOf(doc)?.current);
    assert.equal(activeTab()?.isDirty, false);

    const outcome = (await vscode.commands.executeCommand('recaption.upsample', manifestUri(folder))) as Outcome;
    assert.equal(outcome.via, 'editor');
    assert.equal(outcome.applied, 1);
    const dsc = doc.model.get('img-000.png')!.dsc!;
    assert.equal(dsc.by, 'upsample');
    assert.ok(dsc.text.includes('machine short 0'), `the DSC elaborates the SSC: ${dsc.text}`);
    assert.equal(doc.model.get('img-001.png')!.dsc!.by, 'model', 'only the selected image');
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
    assert.ok(server.requests[0]!.texts.join('\n').endsWith('Short caption: machine short 0'));
    await waitUntil('dirty marker', () => activeTab()?.isDirty === true);
    assert.equal((await readManifest(folder))['img-000.png']!.dsc!.by, 'model', 'nothing written to disk before save');

    await vscode.commands.executeCommand('undo');
    await waitUntil('undo restores the model DSC', () => doc.model.get('img-000.png')!.dsc!.by === 'model');
    assert.equal(doc.model.get('img-000.png')!.dsc!.text, 'machine long description 0');
    await vscode.commands.executeCommand('redo');
    await waitUntil('redo', () => doc.model.get('img-000.png')!.dsc!.by === 'upsample');
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitUntil('saved', async () => (await readManifest(folder))['img-000.png']!.dsc!.by === 'upsample');
    for (const file of await filesUnder(folder)) assert.ok(!(await fs.readFile(file)).includes(KEY), `${path.basename(file)} holds no key`);
  });

  it('never replaces a DSC a person wrote, even unsaved', async () => {
    const folder = await makeDataset(3, true);
    const { doc } = await openEditor(folder);
    await doc.session.edit({ op: 'text', fileName: 'img-001.png', kind: 'dsc', text: 'a person described this' });
    const outcome = (await vscode.commands.executeCommand('recaption.upsample', manifestUri(folder), { fileNames: ['img-001.png', 'img-002.png'] })) as Outcome;
    assert.equal(outcome.applied, 1);
    assert.equal(outcome.report.protected, 1);
    assert.equal(doc.model.get('img-001.png')!.dsc!.text, 'a person described this');
    assert.equal(doc.model.get('img-001.png')!.dsc!.by, 'human');
    assert.equal(doc.model.get('img-002.png')!.dsc!.by, 'upsample');
    assert.equal(server.requests.length, 1, 'no request for the protected caption');
    // Leave the editor clean (closing a dirty one asks). The tab was already dirty from the human edit, so
    // give the workbench a moment to register the upsample edit too, or it would land after the revert.
    await waitUntil('dirty', () => activeTab()?.isDirty === true);
    await new Promise((r) => setTimeout(r, 500));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitUntil('clean after revert', () => activeTab()?.isDirty === false);
  });

  it('on a folder with no editor open: images without a DSC, written to the manifest', async () => {
    const folder = await makeDataset(3, true);
    const store = await ManifestStore.open(folder);
    for (const name of ['img-000.png', 'img-002.png']) store.put({ ...store.get(name)!, dsc: null });
    await store.save();

    const outcome = (await vscode.commands.executeCommand('recaption.upsample', vscode.Uri.file(folder))) as Outcome;
    assert.equal(outcome.via, 'disk');
    assert.equal(outcome.report.upsampled, 2);
    const disk = await readManifest(folder);
    assert.equal(disk['img-000.png']!.dsc!.by, 'upsample');
    assert.equal(disk['img-002.png']!.dsc!.by, 'upsample');
    assert.equal(disk['img-001.png']!.dsc!.by, 'model', 'an existing machine DSC is kept on a folder run');
    assert.ok(server.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === MODEL));
    for (const file of await filesUnder(folder)) assert.ok(!(await fs.readFile(file)).includes(KEY), `${path.basename(file)} holds no key`);
  });
});

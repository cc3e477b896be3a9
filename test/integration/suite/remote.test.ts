// Recaption Folder with recaption.backend = openai against the local OpenAI-compatible test server (it
// speaks the real protocol and checks the Bearer key): captions land in the manifest, the key from
// SecretStorage goes in the Authorization header, only to its own origin, and into no file of the dataset.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OpenAITestServer } from '../../support/openai-test-server.js';
import { api, closeAllEditors, makeDataset, readManifest } from './fixtures.js';
import { filesUnder, useRemote } from './remote-fixtures.js';

const KEY = 'sk-recaption-integration-7f3a9c2e';
const MODEL = 'test-vlm';

describe('Remote captioning (recaption.backend = openai)', function () {
  this.timeout(120_000);
  let server: OpenAITestServer;

  beforeEach(async () => {
    server = await OpenAITestServer.start({ apiKey: KEY, model: MODEL });
  });

  afterEach(async () => {
    await closeAllEditors();
    await useRemote(undefined);
    await server.close();
  });

  it('registers the API key commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['recaption.setApiKey', 'recaption.clearApiKey']) assert.ok(commands.includes(c), `${c} is registered`);
  });

  it('captions through the endpoint with the stored key, which lands in no file of the dataset', async () => {
    const { jobs, keys } = await api();
    await useRemote(server.baseUrl);
    await keys.set(server.baseUrl, KEY);
    const folder = await makeDataset(3, false);

    const outcome = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(outcome.error, null);
    assert.equal(outcome.result?.captioned, 3);
    assert.equal(outcome.result?.device, 'remote');

    const manifest = await readManifest(folder);
    // makeDataset colours: red, green, blue. The server's answer depends on the image it decoded.
    const expected = ['red', 'green', 'blue'];
    for (let i = 0; i < 3; i++) {
      const r = manifest[`img-00${i}.png`]!;
      assert.equal(r.ssc?.by, 'model');
      assert.equal(r.ssc?.text, `A ${expected[i]} square.`);
      assert.ok(r.dsc?.text.startsWith(`A ${expected[i]} square fills`), r.dsc?.text);
    }
    assert.deepEqual(server.rejected, [], 'every request passed the server validation');
    assert.equal(server.requests.length, 6, 'one request per image per caption');
    assert.ok(server.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === MODEL && r.image !== null));

    for (const file of await filesUnder(folder)) {
      const bytes = await fs.readFile(file);
      assert.ok(!bytes.includes(KEY), `${path.relative(folder, file)} does not contain the API key`);
    }
  });

  it('a 429 with Retry-After and a 500 are retried; the run still captions everything', async () => {
    const { jobs, keys } = await api();
    await useRemote(server.baseUrl);
    await keys.set(server.baseUrl, KEY);
    server.enqueue({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'status', status: 500 });
    const folder = await makeDataset(2, false);
    const outcome = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(outcome.error, null);
    assert.equal(outcome.result?.captioned, 2);
    assert.equal(outcome.result?.errors, 0);
    assert.equal(server.hits, 6, 'four captions plus two retried attempts');
  });

  it('a key stored for another origin is not sent', async () => {
    const { jobs, keys } = await api();
    await useRemote(server.baseUrl);
    await keys.delete(server.baseUrl);
    await keys.set('http://127.0.0.1:9/v1', KEY);
    const folder = await makeDataset(1, false);

    const outcome = await jobs.recaption(vscode.Uri.file(folder), false);
    assert.equal(outcome.result?.captioned, 0);
    assert.equal(outcome.result?.errors, 1);
    assert.ok(server.hits > 0, 'the run reached the server');
    assert.ok(server.rejected.every((r) => r.status === 401 && !r.message.includes(KEY)), JSON.stringify(server.rejected));
    const manifest = await fs.readFile(path.join(folder, 'recaption.jsonl'), 'utf8');
    assert.ok(manifest.includes('401'), 'the 401 is the image error');
    await keys.delete('http://127.0.0.1:9/v1');
  });
});

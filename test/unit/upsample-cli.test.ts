// `recaption upsample` and `recaption merge` end to end through the CLI's main(), in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { emptyRecord } from '../../src/shared/record.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { shardManifestName } from '../../src/core/dataset/shard.js';
import { OpenAITestServer } from '../support/openai-test-server.js';
import { captureStderr } from '../support/capture-stderr.js';

const KEY = 'sk-cli-key-77777777777777';

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const { value, stderr } = await captureStderr(() => main(args));
  return { code: value, stderr };
}

test('recaption upsample: key from RECAPTION_API_KEY, exit 1 on failures, key never written or printed', async () => {
  const server = await OpenAITestServer.start({ apiKey: KEY, model: 'chat' });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-cli-'));
  const before = process.env.RECAPTION_API_KEY;
  try {
    const store = await ManifestStore.open(dir);
    for (const n of ['a.jpg', 'b.jpg', 'c.jpg']) store.put({ ...emptyRecord(n), ssc: { text: `short ${n}`, by: 'model', review: null } });
    await store.save();

    process.env.RECAPTION_API_KEY = 'sk-not-the-right-one-123456';
    const denied = await cli(['upsample', dir, '--endpoint', server.baseUrl, '--remote-model', 'chat', '--retries', '0']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /failed: a\.jpg: HTTP 401/);
    assert.ok(!denied.stderr.includes('sk-not-the-right-one-123456'));

    process.env.RECAPTION_API_KEY = KEY;
    const ok = await cli(['upsample', dir, '--endpoint', `${server.baseUrl}/`, '--remote-model', 'chat', '--file', 'b.jpg', '--concurrency', '2']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /1 images: 1 upsampled, 0 failed/);
    const saved = await ManifestStore.open(dir);
    assert.equal(saved.get('b.jpg')!.dsc!.by, 'upsample');
    assert.equal(saved.get('a.jpg')!.dsc, null);

    const usage = await cli(['upsample', dir, '--remote-model', 'chat']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--endpoint URL is required/);
    const badFrom = await cli(['upsample', dir, '--endpoint', server.baseUrl, '--remote-model', 'chat', '--from', 'dsc']);
    assert.equal(badFrom.code, 2);

    for (const entry of await fs.readdir(dir)) {
      const content = await fs.readFile(path.join(dir, entry), 'utf8');
      assert.ok(!content.includes(KEY) && !content.includes('sk-not-the-right-one'), `${entry} holds a key`);
    }
  } finally {
    if (before === undefined) delete process.env.RECAPTION_API_KEY;
    else process.env.RECAPTION_API_KEY = before;
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('recaption merge: exit 1 and a listed conflict; clean shards removed', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-cli-'));
  try {
    const store = await ManifestStore.open(dir);
    store.put({ ...emptyRecord('x.jpg'), ssc: { text: 'mine', by: 'human', review: null } });
    await store.save();
    const s0 = await ManifestStore.open(dir, shardManifestName({ index: 0, count: 2 }));
    s0.put({ ...emptyRecord('x.jpg'), ssc: { text: 'theirs', by: 'human', review: 'approved' } });
    await s0.save();
    const s1 = await ManifestStore.open(dir, shardManifestName({ index: 1, count: 2 }));
    s1.put({ ...emptyRecord('y.jpg'), ssc: { text: 'new', by: 'model', review: null } });
    await s1.save();

    const dry = await cli(['merge', dir, '--dry-run']);
    assert.match(dry.stderr, /dry run: 2 shard manifests: 1 images added/);
    const merged = await cli(['merge', dir]);
    assert.equal(merged.code, 1);
    assert.match(merged.stderr, /conflict: x\.jpg SSC: kept "mine" from recaption\.jsonl; recaption\.shard-0000-of-0002\.jsonl has "theirs" \(approved\)/);
    assert.match(merged.stderr, /1 shard files removed/);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['recaption.jsonl', 'recaption.shard-0000-of-0002.jsonl']);
    const none = await cli(['merge', path.join(dir, 'nope')]);
    assert.equal(none.code, 1);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

// Issue 24 item 6: captions have one length limit (MAX_CAPTION_CHARS) on every path that writes them: the
// editor's edits, find & replace (which also may not grow the captions by more than a budget), normalize,
// the store's writers (captioning runs, imports' records), remote answers and upsampling. A refusal names
// the image, and a refused edit changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { planReplace } from '../../src/core/dataset/query.js';
import { mergeShards } from '../../src/core/dataset/merge.js';
import { shardManifestName } from '../../src/core/dataset/shard.js';
import { CaptionTooLongError, MAX_CAPTION_CHARS, MAX_REPLACE_GROWTH_CHARS } from '../../src/core/limits.js';
import { ChatClient, RemoteRequestError } from '../../src/core/captioner/remote/index.js';
import { upsampleStore } from '../../src/core/upsample/index.js';
import { checkRequest } from '../../src/shared/protocol.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { OpenAITestServer } from '../support/openai-test-server.js';
import { sourceSandbox } from '../support/pattern-worker.js';

const OVER = 'x'.repeat(MAX_CAPTION_CHARS + 1);

async function withModel(count: number, sscOf: (i: number) => string, run: (model: CaptionEditModel, dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir('recaption-limit-');
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < count; i++) {
    const name = `img-${String(i).padStart(4, '0')}.png`;
    store.put({ ...emptyRecord(name), width: 8, height: 8 });
    store.writeMachineCaption(name, 'ssc', { text: sscOf(i), by: 'model', model: 'm' });
  }
  await store.save();
  store.close();
  const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
  await model.ready;
  try {
    await run(model, dir);
  } finally {
    model.dispose();
    await removeDir(dir);
  }
}

test('find & replace that multiplies a caption is refused, naming the image, before it builds the text', async () => {
  await withModel(3, (i) => (i === 1 ? 'a'.repeat(1000) : `a cat ${i}`), async (model) => {
    const sandbox = sourceSandbox();
    try {
      for (const patterns of [undefined, sandbox]) {
        const started = performance.now();
        const refused = planReplace(model.records(), { find: 'a', replace: 'a'.repeat(800), regex: patterns !== undefined, caseSensitive: false, fields: ['ssc'] }, patterns);
        await assert.rejects(refused, (err: Error) => err instanceof CaptionTooLongError && /^img-0001\.png: the SSC would be 10\d,\d{3} characters long, over the 100,000 a caption may have/.test(err.message));
        assert.ok(performance.now() - started < 5000);
      }
    } finally {
      sandbox.dispose();
    }
  });
});

test('find & replace may not grow the captions by more than its budget all together', async () => {
  // Each caption stays under the limit (1,000 characters become 80,000), but 900 of them would add 71 M.
  await withModel(900, () => 'b'.repeat(1000), async (model) => {
    assert.ok(900 * 79_000 > MAX_REPLACE_GROWTH_CHARS);
    await assert.rejects(
      planReplace(model.records(), { find: 'b', replace: 'b'.repeat(80), regex: false, caseSensitive: true, fields: ['ssc'] }),
      /would add more than 67,108,864 characters to the captions it changes \(reached at the SSC of img-08\d\d\.png\)/,
    );
  });
});

test('an edit over the limit is refused by the edit model, and an edit that fails part-way changes nothing', async () => {
  await withModel(2, (i) => `a cat ${i}`, async (model) => {
    const edits: unknown[] = [];
    model.onDidEdit((e) => edits.push(e));
    assert.throws(() => model.edit('type', (e) => e.writeHumanCaption('img-0001.png', 'ssc', OVER)), /^CaptionTooLongError: img-0001\.png: the SSC would be 100,001 characters long/);
    assert.throws(
      () =>
        model.edit('replace', (e) => {
          e.writeHumanCaption('img-0000.png', 'ssc', 'a dog');
          e.writeHumanCaption('img-0001.png', 'dsc', OVER);
        }),
      CaptionTooLongError,
    );
    assert.equal(model.get('img-0000.png')!.ssc!.text, 'a cat 0', 'the first write of the failed edit was rolled back');
    assert.equal(model.hasUnsavedEdits, false);
    assert.equal(edits.length, 0, 'no undo step for an edit that did not happen');
    assert.throws(() => model.edit('upsample', (e) => e.writeMachineCaption('img-0000.png', 'dsc', { text: OVER, by: 'upsample', model: 'm' })), CaptionTooLongError);
    // The webview's message is refused before it reaches the model.
    assert.match(checkRequest({ method: 'edit', params: { op: 'text', fileName: 'img-0000.png', kind: 'ssc', text: OVER } })!, /at most 100000 characters/);
  });
});

test("the store refuses a caption over the limit from every writer, but keeps one it already holds", async () => {
  const dir = await makeTempDir('recaption-limit-store-');
  try {
    const store = await ManifestStore.open(dir);
    store.put({ ...emptyRecord('a.png') });
    assert.throws(() => store.writeMachineCaption('a.png', 'dsc', { text: OVER, by: 'model', model: 'm' }), /^CaptionTooLongError: a\.png: the DSC would be 100,001/);
    assert.throws(() => store.writeHumanCaption('a.png', 'ssc', OVER), /a\.png: the SSC/);
    assert.throws(() => store.put({ ...emptyRecord('b.png'), ssc: { text: OVER, by: 'import', review: null } }), /b\.png: the SSC would be/);
    assert.equal(store.get('b.png'), undefined);
    assert.equal(store.get('a.png')!.dsc, null);
    await store.save();
    store.close();
    // A manifest another tool wrote with a longer caption loads, and a re-scan's put of that record is no new write.
    const line = JSON.stringify({ ...emptyRecord('c.png'), ssc: { text: OVER, by: 'human', review: null } });
    const { promises: fs } = await import('node:fs');
    await fs.appendFile(path.join(dir, MANIFEST_NAME), `${line}\n`);
    const again = await ManifestStore.open(dir);
    const held = again.get('c.png')!;
    assert.equal(held.ssc!.text.length, MAX_CAPTION_CHARS + 1);
    again.put({ ...held, width: 4 });
    assert.throws(() => again.put({ ...held, ssc: { ...held.ssc!, text: `${OVER}y` } }), CaptionTooLongError);
    again.close();
  } finally {
    await removeDir(dir);
  }
});

test('a remote answer over the limit is refused whatever max_tokens allows, and upsampling names the image', async () => {
  const server = await OpenAITestServer.start({ model: 'm' });
  const dir = await makeTempDir('recaption-limit-remote-');
  try {
    server.enqueue({ kind: 'ok', text: 'a cat '.repeat(20_000) });
    const client = new ChatClient({ baseUrl: server.baseUrl, model: 'm', backoff: { baseDelayMs: 1, maxDelayMs: 5 } });
    const err = await client.complete([{ role: 'user', content: 'Expand: a cat' }], { maxTokens: 100_000, temperature: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RemoteRequestError, String(err));
    assert.equal(err.kind, 'malformed');
    assert.match(err.message, /the answer is 119,999 characters, over the 100,000 a caption may have/);

    const store = await ManifestStore.open(dir);
    store.put({ ...emptyRecord('cat.jpg'), ssc: { text: 'A cat.', by: 'model', model: 'm', review: null } });
    server.enqueue({ kind: 'ok', text: 'a cat '.repeat(20_000) });
    const report = await upsampleStore(store, { endpoint: { baseUrl: server.baseUrl, model: 'm', maxRetries: 0 }, maxTokens: 100_000, concurrency: 1, save: false });
    assert.equal(report.upsampled, 0);
    assert.deepEqual(report.failed.map((f) => f.fileName), ['cat.jpg']);
    assert.match(report.failed[0]!.error, /over the 100,000 a caption may have/);
    assert.equal(store.get('cat.jpg')!.dsc, null);
    store.close();
  } finally {
    await server.close();
    await removeDir(dir);
  }
});

test('a shard merge leaves a record whose caption is over the limit in its shard, says so, and merges the rest', async () => {
  const dir = await makeTempDir('recaption-limit-merge-');
  try {
    const main = await ManifestStore.open(dir);
    for (const name of ['a.png', 'b.png']) main.put({ ...emptyRecord(name), width: 8, height: 8 });
    await main.save();
    main.close();
    const shardName = shardManifestName({ index: 0, count: 1 });
    const lines = [
      { ...emptyRecord('a.png'), width: 8, height: 8, dsc: { text: OVER, by: 'model', model: 'm', at: '2026-01-01T00:00:00.000Z', review: null } },
      { ...emptyRecord('b.png'), width: 8, height: 8, dsc: { text: 'A short one.', by: 'model', model: 'm', at: '2026-01-01T00:00:00.000Z', review: null } },
    ].map((r) => JSON.stringify(r));
    const { promises: fs } = await import('node:fs');
    await fs.writeFile(path.join(dir, shardName), `${lines.join('\n')}\n`);
    const report = await mergeShards(dir);
    assert.equal(report.updated, 1);
    assert.match(report.warnings.join('\n'), /a\.png: the DSC would be 100,001 characters long.*; that record is not merged and the shard file is kept/);
    assert.equal(report.shards[0]!.removed, false);
    const merged = await ManifestStore.open(dir);
    assert.equal(merged.get('a.png')!.dsc, null);
    assert.equal(merged.get('b.png')!.dsc!.text, 'A short one.');
    merged.close();
  } finally {
    await removeDir(dir);
  }
});

// Sharded runs and merge: the shard function, the merge rules, and N shard runs + merge == one run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { emptyRecord, MANIFEST_NAME, type Caption } from '../../src/shared/record.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import {
  inShard,
  listShardManifests,
  openShardStore,
  parseShardManifestName,
  parseShardSpec,
  shardManifestName,
  shardOf,
  type ShardSpec,
} from '../../src/core/dataset/shard.js';
import { mergeCaption, mergeShards } from '../../src/core/dataset/merge.js';
import { RemoteCaptionBackend } from '../../src/core/captioner/remote/index.js';
import { runCaptioning } from '../../src/core/captioner/pipeline.js';
import { OpenAITestServer } from '../support/openai-test-server.js';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'recaption-shard-'));
}

const human = (text: string, review: Caption['review'] = null): Caption => ({ text, by: 'human', at: '2026-01-02T00:00:00.000Z', review });
const machine = (text: string, at = '2026-01-01T00:00:00.000Z', review: Caption['review'] = null): Caption => ({ text, by: 'model', model: 'm', at, review });

test('shard spec parsing is 0-based and strict', () => {
  assert.deepEqual(parseShardSpec('0/8'), { index: 0, count: 8 });
  assert.deepEqual(parseShardSpec(' 7 / 8 '), { index: 7, count: 8 });
  assert.throws(() => parseShardSpec('8/8'), /numbered from 0.*0\/8 \.\.\. 7\/8/);
  assert.throws(() => parseShardSpec('1/0'), /between 1 and/);
  assert.throws(() => parseShardSpec('a/b'), /i\/N/);
  assert.throws(() => parseShardSpec('-1/4'), /i\/N/);
});

test('shard file names round-trip and sort by index', () => {
  const name = shardManifestName({ index: 3, count: 8 });
  assert.equal(name, 'recaption.shard-0003-of-0008.jsonl');
  assert.deepEqual(parseShardManifestName(name), { index: 3, count: 8 });
  assert.equal(parseShardManifestName('recaption.jsonl'), null);
  assert.equal(parseShardManifestName('recaption.shard-0008-of-0008.jsonl'), null);
});

test('every path lands in exactly one shard, stably and about evenly', () => {
  const names = Array.from({ length: 4000 }, (_, i) => `folder${i % 37}/image-${i}.jpg`);
  const count = 8;
  const sizes = new Array<number>(count).fill(0);
  for (const n of names) {
    const s = shardOf(n, count);
    assert.equal(shardOf(n, count), s, 'deterministic');
    sizes[s]!++;
    const owners = Array.from({ length: count }, (_, i) => i).filter((i) => inShard(n, { index: i, count }));
    assert.deepEqual(owners, [s]);
  }
  for (const size of sizes) assert.ok(size > 400 && size < 600, `uneven shard sizes ${sizes.join(',')}`);
  // Known values pin the hash so that a change of function (which would move images between shards) is caught.
  assert.equal(shardOf('cats/001.jpg', 1), 0);
  // (first 48 bits of SHA-256 of the UTF-8 path, mod N: the documented function, reproducible in any language)
  assert.deepEqual(['a.jpg', 'b.jpg', 'cats/001.jpg', 'ü/é.png'].map((n) => shardOf(n, 1000)), [95, 564, 546, 200]);
});

test('caption merge rules', () => {
  // human beats machine, on either side
  assert.deepEqual(mergeCaption(human('h'), machine('m', '2030-01-01T00:00:00Z')), { take: 'main' });
  assert.deepEqual(mergeCaption(machine('m'), human('h')), { take: 'shard' });
  // a reviewed machine caption is a human decision: it beats an unreviewed machine caption
  assert.deepEqual(mergeCaption(machine('m', undefined, 'approved'), machine('n', '2030-01-01T00:00:00Z')), { take: 'main' });
  assert.deepEqual(mergeCaption(machine('m'), machine('m', undefined, 'approved')), { take: 'shard' });
  // two different human edits: a conflict
  assert.deepEqual(mergeCaption(human('one'), human('two')), { take: 'conflict' });
  assert.deepEqual(mergeCaption(human('same', 'approved'), human('same', 'rejected')), { take: 'conflict' });
  // same human text, one reviewed: the review is kept
  assert.deepEqual(mergeCaption(human('same'), human('same', 'approved')), { take: 'main', review: 'approved' });
  assert.deepEqual(mergeCaption(human('same', 'approved'), human('same')), { take: 'main' });
  // machine vs machine: the newer
  assert.deepEqual(mergeCaption(machine('old'), machine('new', '2026-06-01T00:00:00Z')), { take: 'shard' });
  assert.deepEqual(mergeCaption(machine('new', '2026-06-01T00:00:00Z'), machine('old')), { take: 'main' });
  // absent on one side
  assert.deepEqual(mergeCaption(null, machine('m')), { take: 'shard' });
  assert.deepEqual(mergeCaption(human('h'), null), { take: 'main' });
});

const COLOURS: Array<[number, number, number]> = [[220, 30, 30], [30, 180, 40], [30, 60, 220], [230, 220, 40], [15, 15, 15], [130, 40, 170]];

/** A dataset of small solid images in two folders, with records as a scan would leave them. */
async function makeDataset(dir: string, count: number): Promise<void> {
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < count; i++) {
    const rel = `${i % 2 ? 'b' : 'a'}/img-${String(i).padStart(3, '0')}.png`;
    const abs = path.join(dir, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const [r, g, b] = COLOURS[i % COLOURS.length]!;
    await sharp({ create: { width: 40 + i, height: 30, channels: 3, background: { r, g, b } } }).png().toFile(abs);
    store.put({ ...emptyRecord(rel), width: 40 + i, height: 30, sha256: `hash${i}` });
  }
  await store.save();
}

/** The captioning run under test: the product's pipeline over the remote backend, into the given store. */
async function captionRun(store: ManifestStore, backend: RemoteCaptionBackend): Promise<void> {
  const summary = await runCaptioning({ folder: store.folder, store, backend });
  assert.equal(summary.errors, 0);
}

/** The manifest without write times, which differ between any two runs. */
async function manifestWithoutTimes(dir: string): Promise<string> {
  const text = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
  return text.replace(/"at":"[^"]*",?/g, '');
}

test('N shard runs then merge equal one unsharded run', async () => {
  const server = await OpenAITestServer.start({ model: 'vlm' });
  const single = await tempDir();
  const sharded = await tempDir();
  try {
    await makeDataset(single, 30);
    await makeDataset(sharded, 30);
    const backend = new RemoteCaptionBackend({ baseUrl: server.baseUrl, model: 'vlm', concurrency: 4 });
    await captionRun(await ManifestStore.open(single), backend);

    const count = 3;
    let shardRecords = 0;
    for (let index = 0; index < count; index++) {
      const spec: ShardSpec = { index, count };
      const store = await openShardStore(sharded, spec);
      shardRecords += store.size;
      assert.ok(store.names().every((n) => inShard(n, spec)));
      await captionRun(store, backend);
    }
    assert.equal(shardRecords, 30, 'the shards partition the dataset');
    const before = await fs.readFile(path.join(sharded, MANIFEST_NAME), 'utf8');
    assert.ok(!before.includes('"ssc":{'), 'shard runs never write the main manifest');
    assert.equal((await listShardManifests(sharded)).length, count);

    const report = await mergeShards(sharded);
    assert.deepEqual(report.conflicts, []);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.updated, 30);
    assert.ok(report.saved);
    assert.equal(await manifestWithoutTimes(sharded), await manifestWithoutTimes(single));
    assert.deepEqual(await listShardManifests(sharded), [], 'clean shards are removed by default');
    const merged = await ManifestStore.open(sharded);
    assert.ok([...merged.records()].every((r) => r.ssc?.by === 'model' && r.dsc?.text.startsWith('A ')));

    const again = await mergeShards(sharded);
    assert.equal(again.shards.length, 0);
    assert.equal(again.saved, false, 'merging with no shards writes nothing');
  } finally {
    await server.close();
    await fs.rm(single, { recursive: true, force: true });
    await fs.rm(sharded, { recursive: true, force: true });
  }
});

test('merge keeps human edits, reports human–human conflicts, adds shard-only records', async () => {
  const dir = await tempDir();
  try {
    const main = await ManifestStore.open(dir);
    const names = ['h-main.jpg', 'h-shard.jpg', 'conflict.jpg', 'review.jpg', 'machine.jpg', 'only-main.jpg'];
    for (const n of names) main.put(emptyRecord(n));
    main.get('h-main.jpg')!.ssc = human('a person wrote this');
    main.get('h-shard.jpg')!.ssc = machine('old machine text');
    main.get('conflict.jpg')!.dsc = human('main editor version');
    main.get('review.jpg')!.ssc = machine('ok text');
    main.get('machine.jpg')!.ssc = machine('older run');
    await main.save();

    const spec = { index: 0, count: 2 };
    const shard = await ManifestStore.open(dir, shardManifestName(spec));
    for (const n of names.slice(0, 5)) shard.put(emptyRecord(n));
    shard.put(emptyRecord('only-shard.jpg'));
    shard.get('h-main.jpg')!.ssc = machine('machine overwrite attempt', '2030-01-01T00:00:00.000Z');
    shard.get('h-shard.jpg')!.ssc = human('fixed by hand on the cluster copy');
    shard.get('conflict.jpg')!.dsc = human('shard editor version');
    shard.get('review.jpg')!.ssc = machine('ok text', undefined, 'approved');
    shard.get('machine.jpg')!.ssc = machine('newer run', '2026-03-01T00:00:00.000Z');
    shard.get('only-shard.jpg')!.ssc = machine('new image');
    await shard.save();

    const report = await mergeShards(dir);
    const merged = await ManifestStore.open(dir);
    assert.equal(merged.get('h-main.jpg')!.ssc!.text, 'a person wrote this');
    assert.equal(merged.get('h-shard.jpg')!.ssc!.text, 'fixed by hand on the cluster copy');
    assert.equal(merged.get('conflict.jpg')!.dsc!.text, 'main editor version', 'the main manifest keeps its version');
    assert.equal(merged.get('review.jpg')!.ssc!.review, 'approved');
    assert.equal(merged.get('machine.jpg')!.ssc!.text, 'newer run');
    assert.equal(merged.get('only-shard.jpg')!.ssc!.text, 'new image');
    assert.ok(merged.get('only-main.jpg'));
    assert.equal(report.added, 1);
    assert.equal(report.conflicts.length, 1);
    const [c] = report.conflicts;
    assert.equal(c!.fileName, 'conflict.jpg');
    assert.equal(c!.kind, 'dsc');
    assert.equal(c!.kept.text, 'main editor version');
    assert.equal(c!.other.text, 'shard editor version');
    assert.equal(c!.shardFile, 'recaption.shard-0000-of-0002.jsonl');
    assert.match(report.warnings.join('\n'), /shards 1 of 2 have no manifest yet/);
    assert.deepEqual(
      (await listShardManifests(dir)).map((f) => f.fileName),
      ['recaption.shard-0000-of-0002.jsonl'],
      'a shard with a conflict is kept so its version is not lost',
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('keep-shards, dry-run, and a shard with an unreadable line', async () => {
  const dir = await tempDir();
  try {
    const main = await ManifestStore.open(dir);
    main.put(emptyRecord('x.jpg'));
    await main.save();
    const good = await ManifestStore.open(dir, shardManifestName({ index: 0, count: 2 }));
    good.put({ ...emptyRecord('x.jpg'), ssc: machine('from shard 0') });
    await good.save();
    const bad = shardManifestName({ index: 1, count: 2 });
    await fs.writeFile(path.join(dir, bad), `${JSON.stringify({ ...emptyRecord('y.jpg'), ssc: machine('from shard 1') })}\n{not json\n`);

    const dry = await mergeShards(dir, { dryRun: true });
    assert.equal(dry.saved, false);
    assert.equal(dry.added, 1);
    assert.equal((await ManifestStore.open(dir)).get('x.jpg')!.ssc, null, 'dry run writes nothing');
    assert.equal((await listShardManifests(dir)).length, 2);

    const kept = await mergeShards(dir, { keepShards: true });
    assert.ok(kept.saved);
    assert.equal((await listShardManifests(dir)).length, 2);

    const report = await mergeShards(dir);
    assert.match(report.warnings.join('\n'), /shard-0001-of-0002\.jsonl line 2: not valid JSON/);
    assert.deepEqual((await listShardManifests(dir)).map((f) => f.fileName), [bad], 'the shard with a bad line is kept');
    const merged = await ManifestStore.open(dir);
    assert.equal(merged.get('x.jpg')!.ssc!.text, 'from shard 0');
    assert.equal(merged.get('y.jpg')!.ssc!.text, 'from shard 1');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a resumed shard keeps what it already captioned', async () => {
  const dir = await tempDir();
  try {
    const main = await ManifestStore.open(dir);
    for (let i = 0; i < 20; i++) main.put(emptyRecord(`${i}.jpg`));
    await main.save();
    const spec = { index: 1, count: 2 };
    const first = await openShardStore(dir, spec);
    const name = first.names()[0]!;
    first.writeMachineCaption(name, 'ssc', { text: 'done before the crash', by: 'model', model: 'm' });
    await first.save();
    const resumed = await openShardStore(dir, spec);
    assert.equal(resumed.size, first.size);
    assert.equal(resumed.get(name)!.ssc!.text, 'done before the crash');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

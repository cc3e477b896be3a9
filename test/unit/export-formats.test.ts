// Every profile x format on a generated dataset: what comes out is read back the way a trainer would
// read it and compared with the plan; plus reproducibility, growth stability and tar grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { extract } from 'tar-stream';
import { exportFineTuneSet, planExport, type ExportFormat, type ExportProfile, type ExportRecord } from '../../src/core/export/index.js';
import type { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { addImages, approvedImages, makeDataset, readTree, tempDir, type FixtureImage } from './export-fixture.js';
import { sampleFactsJson } from '../../src/core/export/formats/webdataset.js';
import type { ExportSample } from '../../src/core/export/types.js';

interface Row {
  caption: string;
  split: string;
  /** The exported image's bytes, when the format carries or places them. */
  image: Buffer | null;
}

async function readJsonLines(file: string): Promise<unknown[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
}

async function tarMembers(file: string): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      members.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  ex.end(await fs.readFile(file));
  await done;
  return members;
}

/** Reads an export back as a trainer would: file_name -> caption, split, image bytes. */
async function readExport(out: string, format: ExportFormat): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  const maybe = (file: string) => fs.readFile(file).catch(() => null);
  for (const split of ['train', 'validation']) {
    switch (format) {
      case 'hf':
        for (const line of (await readJsonLines(path.join(out, split, 'metadata.jsonl'))) as { file_name: string; text: string }[]) {
          rows.set(line.file_name, { caption: line.text, split, image: await maybe(path.join(out, split, line.file_name)) });
        }
        break;
      case 'sidecar': {
        const tree = await readTree(path.join(out, split)).catch(() => new Map<string, Buffer>());
        for (const [rel, data] of tree) {
          if (rel.endsWith('.txt')) continue;
          const txt = tree.get(rel.replace(/\.[^./]+$/, '.txt'));
          assert.ok(txt, `sidecar for ${rel}`);
          const text = txt.toString('utf8');
          assert.ok(text.endsWith('\n') && !text.slice(0, -1).includes('\n'), 'one caption line');
          rows.set(rel, { caption: text.slice(0, -1), split, image: data });
        }
        break;
      }
      case 'webdataset': {
        const shards = (await fs.readdir(out)).filter((f) => f.startsWith(`${split}-`) && f.endsWith('.tar')).sort();
        for (const shard of shards) {
          // GNU tar must read it, and list each sample's files together under one key.
          const listed = execFileSync('tar', ['-tf', path.join(out, shard)], { encoding: 'utf8' }).trim().split('\n');
          const keys = listed.map((n) => n.slice(0, n.indexOf('.')));
          for (let i = 0; i < listed.length; i += 3) {
            assert.deepEqual(keys.slice(i, i + 3), [keys[i], keys[i], keys[i]], `grouping in ${shard}`);
            assert.deepEqual(listed.slice(i, i + 3).map((n) => n.slice(n.indexOf('.') + 1)), ['png', 'txt', 'json']);
          }
          const members = await tarMembers(path.join(out, shard));
          for (const key of new Set(keys)) {
            const meta = JSON.parse(members.get(`${key}.json`)!.toString('utf8')) as { file_name: string };
            rows.set(meta.file_name, { caption: members.get(`${key}.txt`)!.toString('utf8'), split, image: members.get(`${key}.png`) ?? null });
          }
        }
        break;
      }
      case 'llava': {
        const list = JSON.parse((await maybe(path.join(out, `${split}.json`)))?.toString('utf8') ?? '[]') as {
          id: string;
          image: string;
          conversations: { from: string; value: string }[];
        }[];
        for (const item of list) {
          assert.equal(item.conversations[0]!.from, 'human');
          assert.ok(item.conversations[0]!.value.startsWith('<image>\n'));
          assert.equal(item.conversations[1]!.from, 'gpt');
          rows.set(item.image, { caption: item.conversations[1]!.value, split, image: await maybe(path.join(out, 'images', item.image)) });
        }
        break;
      }
      case 'openai':
        for (const line of (await readJsonLines(path.join(out, `${split}.jsonl`))) as {
          messages: [{ role: string; content: { type: string; image_url?: { url: string } }[] }, { role: string; content: string }];
        }[]) {
          const [user, assistant] = line.messages;
          assert.equal(user.role, 'user');
          assert.equal(assistant.role, 'assistant');
          const url = user.content.find((c) => c.type === 'image_url')!.image_url!.url;
          assert.ok(url.startsWith('images/'));
          rows.set(url.slice('images/'.length), { caption: assistant.content, split, image: await maybe(path.join(out, url)) });
        }
        break;
    }
  }
  return rows;
}

function fixtureImages(): FixtureImage[] {
  const images = approvedImages(16);
  images[3]!.alt = null; // t2i falls back to the DSC here when the draw says alt
  images[5]!.alt = null;
  images.push(
    { fileName: 'img/unreviewed.png', alt: 'a', ssc: 's', dsc: 'd' },
    { fileName: 'img/rejected.png', alt: 'a', ssc: 's', dsc: 'd', sscReview: 'rejected', dscReview: 'rejected' },
    { fileName: 'img/gone.png', alt: 'a', ssc: 's', dsc: 'd', sscReview: 'approved', dscReview: 'approved', noFile: true },
    { fileName: 'img/broken.png', error: 'cannot decode' },
    { fileName: 'deep/er/multi\nline.png', alt: 'x', ssc: 'two\nlines', dsc: 'first\nsecond', sscReview: 'approved', dscReview: 'approved' },
  );
  return images;
}

const profiles: ExportProfile[] = ['ssc', 'dsc', 't2i'];
const formats: ExportFormat[] = ['hf', 'sidecar', 'webdataset', 'llava', 'openai'];

let shared: Promise<ManifestStore> | undefined;
const dataset = () => (shared ??= makeDataset(fixtureImages()));

for (const profile of profiles) {
  for (const format of formats) {
    test(`export ${profile} as ${format}`, async () => {
      const store = await dataset();
      const out = path.join(await tempDir('out'), 'set');
      const options = { profile, ratio: 0.6, seed: 3, validation: 0.3, select: 'approved' as const };
      const { record } = await exportFineTuneSet({ store, out, format, shardSize: 4, ...options });
      const expected = planExport(store.records(), options).samples.filter((s) => s.fileName !== 'img/gone.png');
      const rows = await readExport(out, format);
      assert.deepEqual([...rows.keys()].sort(), expected.map((s) => s.fileName).sort());
      for (const s of expected) {
        const row = rows.get(s.fileName)!;
        assert.equal(row.caption, format === 'sidecar' ? s.caption.replace(/\n/g, ' ') : s.caption, s.fileName);
        assert.equal(row.split, s.split, s.fileName);
        assert.deepEqual(row.image, await fs.readFile(path.join(store.folder, s.fileName)), `image bytes of ${s.fileName}`);
      }
      const onDisk = JSON.parse(await fs.readFile(path.join(out, 'export.json'), 'utf8')) as ExportRecord;
      assert.deepEqual(onDisk, record);
      const train = expected.filter((s) => s.split === 'train').length;
      assert.deepEqual(record.counts, { train, validation: expected.length - train, total: expected.length });
      assert.ok(train > 0 && expected.length - train > 0, 'both splits used');
      assert.equal(record.skipped['missing-file'], 1);
      assert.equal(record.skipped.error, 1);
      assert.equal(record.skipped['not-approved'], 1);
      assert.equal(record.skipped.rejected, 1);
      assert.equal(record.skipped_total, 4);
      assert.equal(record.manifest_sha256.length, 64);
      if (profile === 't2i') {
        const alt = expected.filter((s) => s.source === 'alt').length;
        assert.equal((record.caption_sources.train.alt ?? 0) + (record.caption_sources.validation.alt ?? 0), alt);
        assert.equal(record.alt_fallback, planExport(store.records(), options).altFallback);
      } else {
        assert.equal(record.alt_fallback, null);
        assert.ok(expected.every((s) => s.source === profile));
      }
      // Nothing left behind but the outputs it lists.
      assert.deepEqual((await fs.readdir(out)).sort(), [...record.outputs, 'export.json'].sort());
      if (format === 'webdataset') assert.ok(record.outputs.filter((o) => o.startsWith('train-')).length >= 2, 'several shards');
    });
  }
}

test('webdataset with one sample per shard: more shards finishing behind the writing than it lets wait, every sample read back', async () => {
  const store = await dataset();
  const out = path.join(await tempDir('out'), 'set');
  const options = { profile: 'dsc' as const, ratio: 0.6, seed: 3, validation: 0.3, select: 'approved' as const };
  // Every shard is flushed to disk before the export is marked whole: count the files synced.
  const probe = await fs.open(path.join(await tempDir('probe'), 'p'), 'w');
  const fileHandle = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
  await probe.close();
  const realSync = fileHandle.sync;
  let synced = 0;
  fileHandle.sync = function (this: unknown) {
    synced++;
    return realSync.call(this);
  };
  const { record } = await exportFineTuneSet({ store, out, format: 'webdataset', shardSize: 1, ...options }).finally(() => (fileHandle.sync = realSync));
  const expected = planExport(store.records(), options).samples.filter((s) => s.fileName !== 'img/gone.png');
  const rows = await readExport(out, 'webdataset');
  assert.deepEqual([...rows.keys()].sort(), expected.map((s) => s.fileName).sort());
  for (const s of expected) assert.equal(rows.get(s.fileName)!.caption, s.caption, s.fileName);
  const shards = record.outputs.filter((o) => o.endsWith('.tar'));
  assert.equal(shards.length, expected.length);
  assert.ok(shards.length > 8, 'more shards than finish behind the writing at once');
  assert.ok(synced >= shards.length, `${synced} files synced for ${shards.length} shards`);
});

test('the same seed reproduces every output byte; images are hard-linked with --images link', async () => {
  const store = await dataset();
  for (const format of formats) {
    const a = path.join(await tempDir('out'), 'a');
    const b = path.join(await tempDir('out'), 'b');
    const options = { store, profile: 't2i' as const, format, seed: 11, validation: 0.3, shardSize: 5, select: 'unrejected' as const };
    await exportFineTuneSet({ ...options, out: a, images: 'link' });
    await exportFineTuneSet({ ...options, out: b, images: 'copy' });
    const [ta, tb] = [await readTree(a), await readTree(b)];
    ta.delete('export.json');
    tb.delete('export.json');
    assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort(), format);
    // The cards differ in one row only: how the images were placed (linked or copied).
    const card = (tree: Map<string, Buffer>) => tree.get('README.md')!.toString('utf8').replace(/^\| images \|.*$/m, '');
    assert.equal(card(ta), card(tb), `${format}: README.md differs beyond its images row`);
    for (const [name, data] of ta) if (name !== 'README.md') assert.ok(data.equals(tb.get(name)!), `${format}: ${name} differs`);
    if (format === 'hf') {
      const img = 'img/0000.png';
      const split = (await fs.stat(path.join(a, 'train', img)).catch(() => null)) ? 'train' : 'validation';
      const [src, linked, copied] = await Promise.all([
        fs.stat(path.join(store.folder, img)),
        fs.stat(path.join(a, split, img)),
        fs.stat(path.join(b, split, img)),
      ]);
      assert.equal(linked.ino, src.ino, 'link shares the inode');
      assert.notEqual(copied.ino, src.ino, 'copy does not');
    }
  }
});

test('--images none writes captions only, referring to the dataset paths', async () => {
  const store = await dataset();
  for (const format of formats) {
    const out = path.join(await tempDir('out'), 'none');
    const { record } = await exportFineTuneSet({ store, out, profile: 'dsc', format, images: 'none', validation: 0 });
    assert.equal(record.image_root, store.folder);
    assert.equal(record.skipped['missing-file'], 1, 'missing files are still found');
    const tree = await readTree(out);
    // The dataset card's plots (card/*.png) are the export's own images, not the dataset's.
    assert.ok(![...tree.keys()].some((k) => k.endsWith('.png') && !k.startsWith('card/')), `${format}: no image files`);
    if (format === 'webdataset') {
      const listed = execFileSync('tar', ['-tf', path.join(out, 'train-000000.tar')], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(listed.slice(0, 2), ['000000.txt', '000000.json']);
    }
    if (format === 'hf') {
      const first = (await readJsonLines(path.join(out, 'train', 'metadata.jsonl')))[0] as { file_name: string };
      await fs.access(path.join(store.folder, first.file_name));
    }
  }
});

test('an image keeps its split when images are added to the dataset', async () => {
  const store = await makeDataset(approvedImages(40));
  const first = path.join(await tempDir('out'), 'first');
  await exportFineTuneSet({ store, out: first, profile: 'ssc', format: 'hf', images: 'none', validation: 0.25 });
  const before = await readExport(first, 'hf');
  await addImages(store, approvedImages(40, 'img', 40), 40);
  const second = path.join(await tempDir('out'), 'second');
  const { record } = await exportFineTuneSet({ store, out: second, profile: 'ssc', format: 'hf', images: 'none', validation: 0.25 });
  assert.equal(record.counts.total, 80);
  const after = await readExport(second, 'hf');
  for (const [name, row] of before) assert.equal(after.get(name)?.split, row.split, name);
});

test("a WebDataset sample's facts are JSON.stringify's bytes for every kind of value a record holds", () => {
  const names = ['a.png', 'dir/q"uote\\.png', 'ünï/字.jpg', 'tab\there.png', '\u2028line.png', 'lone\ud800.png'];
  const hashes = [null, 'ab'.repeat(32), 'not "hex" \\ at all', '\u0001'];
  const sizes = [null, 0, -0, 7, 4096, 2 ** 53 - 1, 1e21];
  let n = 0;
  for (const fileName of names) {
    for (const sha256 of hashes) {
      for (const width of sizes) {
        const height = sizes[(n++ * 3) % sizes.length]!;
        const sample: ExportSample = { fileName, caption: 'c', source: n % 2 ? 'dsc' : 'alt', by: null, score: null, lines: null, split: 'train', image: { width, height, sha256 } };
        const meta = { file_name: fileName, caption_source: sample.source, width, height, sha256 };
        assert.equal(sampleFactsJson(sample), JSON.stringify(meta));
      }
    }
  }
});

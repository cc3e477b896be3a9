// Duplicate groups: exact by sha256, near by perceptual hash, checked against an all-pairs brute force;
// export keeps each group in one split and --dedup sends one image per group; recaption dedup end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { findDuplicateGroups, type HashedImage } from '../../src/core/dataset/duplicates.js';
import { hammingDistance } from '../../src/core/dataset/perceptual-hash.js';
import { exportFineTuneSet } from '../../src/core/export/index.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';

const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');

const hex = (n: bigint) => n.toString(16).padStart(16, '0');
const flip = (h: string, bits: number[]) => hex(bits.reduce((v, b) => v ^ (1n << BigInt(b)), BigInt(`0x${h}`)));

test('exact groups by sha256, near ones by Hamming distance, joined transitively, first member first', () => {
  const base = '0123456789abcdef';
  const images: HashedImage[] = [
    { fileName: 'a.png', sha256: 'aa'.repeat(32), phash: base },
    { fileName: 'b.png', sha256: 'bb'.repeat(32), phash: flip(base, [0, 9, 20]) }, // 3 from a
    { fileName: 'c.png', sha256: 'cc'.repeat(32), phash: flip(base, [0, 9, 20, 33, 40, 50]) }, // 3 from b, 6 from a
    { fileName: 'd.png', sha256: 'dd'.repeat(32), phash: 'fedcba9876543210' },
    { fileName: 'e.png', sha256: 'dd'.repeat(32), phash: 'fedcba9876543210' }, // same bytes as d
    { fileName: 'f.png', sha256: 'ff'.repeat(32) },
  ];
  assert.deepEqual(findDuplicateGroups(images, 4), [
    { kind: 'near', members: ['a.png', 'b.png', 'c.png'] },
    { kind: 'exact', members: ['d.png', 'e.png'] },
  ]);
  // Distance 2: a and b are 3 apart, b and c are 3 apart: no near group.
  assert.deepEqual(findDuplicateGroups(images, 2), [{ kind: 'exact', members: ['d.png', 'e.png'] }]);
  // The same perceptual hash with different bytes is a near duplicate, even at distance 0.
  assert.deepEqual(findDuplicateGroups([{ fileName: 'x', sha256: null, phash: base }, { fileName: 'y', sha256: null, phash: base }], 0), [{ kind: 'near', members: ['x', 'y'] }]);
  assert.throws(() => findDuplicateGroups(images, 17), /from 0 to 16/);
  assert.throws(() => findDuplicateGroups(images, -1), /from 0 to 16/);
});

test('hashes are read as their first 16 hex digits: a sha256 in either case, a perceptual hash in lower case; anything else joins no group', () => {
  const sha = '0123456789abcdef'.repeat(4);
  const images: HashedImage[] = [
    { fileName: 'a.png', sha256: sha },
    { fileName: 'b.png', sha256: sha.toUpperCase() }, // the same bytes, written in upper case
    { fileName: 'c.png', sha256: `${sha.slice(0, 15)}g${sha.slice(16)}` }, // not hex: no sha256
    { fileName: 'd.png', sha256: `${sha.slice(0, 15)}g${sha.slice(16)}` },
    { fileName: 'e.png', sha256: 'abc' }, // too short
    { fileName: 'f.png', sha256: 'abc' },
    { fileName: 'g.png', sha256: null, phash: 'fedcba9876543210' },
    { fileName: 'h.png', sha256: null, phash: 'FEDCBA9876543210' }, // not as Recaption writes it: no phash
    { fileName: 'i.png', sha256: `${sha.slice(0, 16)}${'0'.repeat(48)}` }, // the same first 64 bits as a
    { fileName: 'j.png', sha256: `${sha.slice(0, 15)}e${sha.slice(16)}` }, // one digit off in the first 16
  ];
  assert.deepEqual(findDuplicateGroups(images, 0), [{ kind: 'exact', members: ['a.png', 'b.png', 'i.png'] }]);
});

test('multi-index search finds exactly the groups an all-pairs comparison finds', () => {
  const random = seededRandom(11);
  const word = () => BigInt(Math.floor(random() * 2 ** 32));
  const images: HashedImage[] = [];
  for (let i = 0; i < 1500; i++) {
    const h = hex((word() << 32n) | word());
    images.push({ fileName: `img-${String(i).padStart(5, '0')}`, sha256: null, phash: h });
    // Every 7th image gets a twin a few bits away, some at the edge of the distance.
    if (i % 7 === 0) {
      const bits = Array.from({ length: 1 + (i % 6) }, (_, k) => (i * 13 + k * 17) % 64);
      images.push({ fileName: `img-${String(i).padStart(5, '0')}-twin`, sha256: null, phash: flip(h, [...new Set(bits)]) });
    }
  }
  images.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
  for (const distance of [3, 5]) {
    // Brute force: union every pair within the distance.
    const parent = images.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    for (let a = 0; a < images.length; a++) {
      for (let b = a + 1; b < images.length; b++) {
        if (hammingDistance(images[a]!.phash!, images[b]!.phash!) <= distance) {
          const [ra, rb] = [find(a), find(b)];
          if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
      }
    }
    const expected = new Map<number, string[]>();
    images.forEach((img, i) => expected.set(find(i), [...(expected.get(find(i)) ?? []), img.fileName]));
    const brute = [...expected.values()].filter((m) => m.length > 1).map((m) => m.join(','));
    const found = findDuplicateGroups(images, distance).map((g) => g.members.join(','));
    assert.deepEqual(found.sort(), brute.sort());
    assert.ok(found.length > 100, `distance ${distance}: ${found.length} groups`);
  }
});

test('export: a duplicate group shares one split; --dedup sends one image per group', async () => {
  const images = approvedImages(60);
  // Ten groups of three: images 0-2, 3-5, … share perceptual hashes a bit or two apart.
  images.forEach((image, i) => {
    const group = Math.floor(i / 3);
    const base = hex(BigInt(group + 1) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn);
    image.extra = { phash: i < 30 ? flip(base, (i % 3) ? [i % 3] : []) : hex(BigInt(i) * 0xd1b54a32d192ed03n & 0xffffffffffffffffn) };
  });
  const store = await makeDataset(images);
  const read = async (out: string) => {
    const lines = async (split: string) => (await fs.readFile(path.join(out, split, 'metadata.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { file_name: string });
    return { train: (await lines('train')).map((l) => l.file_name), validation: (await lines('validation')).map((l) => l.file_name) };
  };
  const out = path.join(await tempDir('export-dedup'), 'all');
  const all = await exportFineTuneSet({ store, out, profile: 'ssc', format: 'hf', images: 'none', validation: 0.5, seed: 3 });
  assert.equal(all.record.duplicate_groups, 10);
  const splits = await read(out);
  assert.equal(splits.train.length + splits.validation.length, 60);
  for (let g = 0; g < 10; g++) {
    const members = images.slice(g * 3, g * 3 + 3).map((i) => path.basename(i.fileName));
    const inTrain = members.filter((m) => splits.train.some((f) => f.endsWith(m)));
    assert.ok(inTrain.length === 0 || inTrain.length === 3, `group ${g} straddles the splits: ${inTrain.join(', ')}`);
  }
  const deduped = path.join(path.dirname(out), 'dedup');
  const one = await exportFineTuneSet({ store, out: deduped, profile: 'ssc', format: 'hf', images: 'none', validation: 0.5, seed: 3, dedup: true });
  assert.equal(one.record.skipped.duplicate, 20);
  const kept = await read(deduped);
  assert.equal(kept.train.length + kept.validation.length, 40);
  // The first member of each group is the one that goes.
  for (let g = 0; g < 10; g++) assert.ok([...kept.train, ...kept.validation].some((f) => f.endsWith(path.basename(images[g * 3]!.fileName))));
  await assert.rejects(exportFineTuneSet({ store, out: path.join(path.dirname(out), 'bad'), profile: 'ssc', format: 'hf', nearDistance: 99 }), /near-duplicate distance/);
});

test('recaption dedup hashes images scanned without phash, then lists the groups', async () => {
  const dir = await tempDir('dedup-cli');
  const width = 200;
  const height = 150;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i % (width * 3)) * 255) / (width * 3) + ((Math.floor(i / (width * 3)) % 40) < 20 ? 60 : 0);
  const original = await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
  await fs.writeFile(path.join(dir, 'a.png'), original);
  await fs.writeFile(path.join(dir, 'a-copy.png'), original);
  await fs.writeFile(path.join(dir, 'a-small.jpg'), await sharp(original).resize(100).jpeg({ quality: 70 }).toBuffer());
  await fs.writeFile(path.join(dir, 'other.png'), await sharp(original).rotate(90).png().toBuffer());
  const run = (...args: string[]) => spawnSync(tsx, [cli, ...args], { encoding: 'utf8' });
  assert.equal(run('scan', dir, '--no-phash').status, 0);
  const listed = run('dedup', dir);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stderr, /hashed 4 images/);
  assert.match(listed.stdout, /^group 1 \(near, 3 images\): a-copy\.png, a-small\.jpg, a\.png$/m);
  assert.match(listed.stdout, /1 groups, 3 images; 2 would go with --dedup/);
  // The hashes were saved: a second run hashes nothing.
  const again = run('dedup', dir, '--json');
  assert.doesNotMatch(again.stderr, /hashed/);
  assert.deepEqual(JSON.parse(again.stdout), [{ kind: 'near', members: ['a-copy.png', 'a-small.jpg', 'a.png'] }]);
  assert.equal(run('dedup', dir, '--distance', '17').status, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { importDataset, ImportError } from '../../src/core/import/index.js';
import type { ManifestRecord } from '../../src/shared/record.js';
import { importedManifest as manifest, listFiles, makeImages, withImportDir as withDir, writeTar, type TarMember, type TestImage } from '../support/import-fixtures.js';

const extOf = (img: TestImage) => (img.format === 'jpeg' ? 'jpg' : img.format);

/** Sample i: its image under the extension of its format, and its caption in the member kind `i % 3` picks. */
function sampleMembers(images: readonly TestImage[], prefix: string): TarMember[] {
  return images.flatMap((img, i) => {
    const key = `${prefix}${String(i).padStart(4, '0')}`;
    const caption = `${prefix} caption ${i}`;
    const text: TarMember = i % 3 === 0 ? { name: `${key}.txt`, data: caption } : i % 3 === 1 ? { name: `${key}.caption`, data: caption } : { name: `${key}.json`, data: JSON.stringify({ caption, width: img.width }) };
    return [{ name: `${key}.${extOf(img)}`, data: img.bytes }, text, { name: `${key}.cls`, data: String(i) }];
  });
}

/** Two shards of eight samples each, a.tar and b.tar, in `dir`/shards. */
async function twoShards(dir: string): Promise<{ images: TestImage[]; shards: string }> {
  const images = await makeImages(16);
  const shards = path.join(dir, 'shards');
  await fs.mkdir(shards);
  await writeTar(path.join(shards, 'a.tar'), sampleMembers(images.slice(0, 8), 'a'));
  await writeTar(path.join(shards, 'b.tar'), sampleMembers(images.slice(8), 'b'));
  return { images, shards };
}

test('WebDataset shards in name order: members grouped by key, captions from .txt, .caption or .json, identities kept', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(9);
    const shards = path.join(dir, 'shards');
    await fs.mkdir(shards);
    // A key with folders and dots: "sub/dir/x.y.png" has key "sub/dir/x" and suffix "y.png", not an image member.
    await writeTar(path.join(shards, 'shard-000001.tar'), [
      ...sampleMembers(images.slice(5), 'later/'),
      { name: 'later/extra.seg.png', data: images[0]!.bytes },
    ]);
    await writeTar(path.join(shards, 'shard-000000.tar'), [{ name: './', type: 'directory' }, ...sampleMembers(images.slice(0, 5), './first-')]);
    const out = path.join(dir, 'out');
    const report = await importDataset({ source: shards, out });
    assert.deepEqual(
      { format: report.format, files: report.files, rows: report.rows, imported: report.imported, skipped: report.skipped },
      { format: 'webdataset', files: 2, rows: 10, imported: 9, skipped: { 'no image': 1 } },
    );
    assert.deepEqual(report.skippedExamples['no image'], ['shard-000001.tar key later/extra']);
    const records = await manifest(out);
    assert.equal(records.length, 9);
    images.forEach((img, i) => {
      const first = i < 5;
      const key = first ? `first-${String(i).padStart(4, '0')}` : `later/${String(i - 5).padStart(4, '0')}`;
      const record = records.find((r) => r.source_key === key);
      assert.ok(record, key);
      assert.equal(record.file_name, `images/${first ? 'shard-000000' : 'shard-000001'}/${key.replace('/', '_')}.${extOf(img)}`);
      assert.equal(record.source_file, first ? 'shard-000000.tar' : 'shard-000001.tar');
      assert.equal(record.sha256, img.sha256);
      assert.deepEqual([record.width, record.height], [img.width, img.height]);
      assert.deepEqual(record.alt, { text: `${first ? './first-' : 'later/'} caption ${first ? i : i - 5}`, source: 'webdataset' });
    });
  });
});

test('a member with "..", an absolute name, a link or a device, and a key seen twice, refuse the shard in one line', async () => {
  await withDir(async (dir) => {
    const [a, b] = await makeImages(2);
    const good: TarMember[] = [{ name: 'ok.png', data: a!.bytes }, { name: 'ok.txt', data: 'fine' }];
    const cases: { name: string; members: TarMember[]; code: string; pattern: RegExp }[] = [
      { name: 'dotdot', members: [...good, { name: '../evil.jpg', data: b!.bytes }], code: 'unsafe-member', pattern: /^dotdot\.tar: member "\.\.\/evil\.jpg" has "\.\." in its name; refusing the shard$/ },
      { name: 'deep-dotdot', members: [...good, { name: 'x/../../evil.jpg', data: b!.bytes }], code: 'unsafe-member', pattern: /member "x\/\.\.\/\.\.\/evil\.jpg" has "\.\."/ },
      { name: 'absolute', members: [...good, { name: '/tmp/evil.jpg', data: b!.bytes }], code: 'unsafe-member', pattern: /member "\/tmp\/evil\.jpg" has an absolute name/ },
      { name: 'symlink', members: [...good, { name: 'link.jpg', type: 'symlink', linkname: '/etc/passwd' }], code: 'unsafe-member', pattern: /^symlink\.tar: member "link\.jpg" is a symbolic link/ },
      { name: 'hardlink', members: [...good, { name: 'hard.jpg', type: 'link', linkname: 'ok.png' }], code: 'unsafe-member', pattern: /^hardlink\.tar: member "hard\.jpg" is a hard link/ },
      { name: 'device', members: [...good, { name: 'dev.jpg', type: 'character-device' }], code: 'unsafe-member', pattern: /member "dev\.jpg" is a device/ },
      { name: 'dupkey', members: [...good, { name: 'other.png', data: b!.bytes }, { name: 'ok.json', data: '{}' }], code: 'duplicate-key', pattern: /^dupkey\.tar: key "ok" appears twice \(again at member "ok\.json"\)/ },
      { name: 'dupmember', members: [...good, { name: 'ok.txt', data: 'again' }], code: 'duplicate-key', pattern: /^dupmember\.tar: member "ok\.txt" appears twice/ },
    ];
    for (const c of cases) {
      const shard = path.join(dir, `${c.name}.tar`);
      await writeTar(shard, c.members);
      const out = path.join(dir, `out-${c.name}`);
      await assert.rejects(importDataset({ source: shard, out }), (err: unknown) => {
        assert.ok(err instanceof ImportError, String(err));
        assert.equal(err.code, c.code, err.message);
        assert.doesNotMatch(err.message, /\n/);
        assert.match(err.message, c.pattern);
        return true;
      });
      // Nothing under a final name, and no link anywhere in the output.
      assert.deepEqual(await listFiles(out), [], c.name);
      for (const rel of await listFiles(out, { hidden: true })) assert.ok(!(await fs.lstat(path.join(out, rel))).isSymbolicLink(), rel);
    }
    assert.equal(await fs.stat(path.join(dir, 'evil.jpg')).catch(() => null), null);
  });
});

test('not a tar, a truncated tar, non-image members and a shard without images', async () => {
  await withDir(async (dir) => {
    const images = await makeImages(3);
    const junk = path.join(dir, 'junk.tar');
    await fs.writeFile(junk, Buffer.alloc(2048, 7));
    await assert.rejects(importDataset({ source: junk, out: path.join(dir, 'o1') }), (err: unknown) => err instanceof ImportError && err.code === 'corrupt' && /^junk\.tar: not a readable tar file/.test(err.message));
    const whole = path.join(dir, 'whole.tar');
    await writeTar(whole, sampleMembers(images, 's'));
    const cut = path.join(dir, 'cut.tar');
    // Cut inside the first image member's data.
    await fs.writeFile(cut, (await fs.readFile(whole)).subarray(0, 512 + 100));
    await assert.rejects(importDataset({ source: cut, out: path.join(dir, 'o2') }), (err: unknown) => err instanceof ImportError && err.code === 'truncated' && /^cut\.tar: truncated/.test(err.message));
    assert.deepEqual(await listFiles(path.join(dir, 'o2')), []);

    const mixed = path.join(dir, 'mixed.tar');
    await writeTar(mixed, [...sampleMembers(images, 's'), { name: 'bad.jpg', data: 'this is text' }, { name: 'big.png', data: Buffer.alloc(4096) }]);
    const report = await importDataset({ source: mixed, out: path.join(dir, 'o3'), maxImageBytes: 2048 });
    assert.equal(report.imported, 3);
    assert.deepEqual(report.skipped, { 'not an image': 1, 'image too large': 1 });
    assert.deepEqual(report.skippedExamples, { 'not an image': ['mixed.tar key bad'], 'image too large': ['mixed.tar key big (4096 bytes)'] });

    const textOnly = path.join(dir, 'text-only.tar');
    await writeTar(textOnly, [{ name: 'a.jpg', data: 'nope' }, { name: 'a.txt', data: 'caption' }, { name: 'b.txt', data: 'caption' }]);
    const out = path.join(dir, 'o4');
    await assert.rejects(importDataset({ source: textOnly, out }), (err: unknown) => err instanceof ImportError && err.code === 'no-images' && /^text-only\.tar: the shard holds no image/.test(err.message));
    assert.deepEqual(await listFiles(out), []);
  });
});

test('a WebDataset import killed inside a shard continues without rewriting an image: whole files kept, a torn one replaced, a stray removed', async () => {
  await withDir(async (dir) => {
    const { images, shards } = await twoShards(dir);
    const fresh = path.join(dir, 'fresh');
    await importDataset({ source: shards, out: fresh });
    // What a kill inside b.tar leaves: the state, a.tar finished and published, b.tar's partial folder with
    // three images written whole, a fourth cut short, and no record of b.tar.
    const out = path.join(dir, 'out');
    await fs.mkdir(path.join(out, '.recaption-import', 'units'), { recursive: true });
    await fs.copyFile(path.join(fresh, '.recaption-import', 'state.json'), path.join(out, '.recaption-import', 'state.json'));
    await fs.copyFile(path.join(fresh, '.recaption-import', 'units', 'a.jsonl'), path.join(out, '.recaption-import', 'units', 'a.jsonl'));
    await fs.cp(path.join(fresh, 'images', 'a'), path.join(out, 'images', 'a'), { recursive: true, preserveTimestamps: true });
    const ofB = (await fs.readdir(path.join(fresh, 'images', 'b'))).sort();
    await fs.mkdir(path.join(out, 'images', '.b.partial'));
    for (const name of ofB.slice(0, 3)) await fs.copyFile(path.join(fresh, 'images', 'b', name), path.join(out, 'images', '.b.partial', name));
    const torn = ofB[3]!;
    const whole = await fs.readFile(path.join(fresh, 'images', 'b', torn));
    await fs.writeFile(path.join(out, 'images', '.b.partial', torn), whole.subarray(0, whole.length >> 1));
    // An image an earlier run wrote for a sample this run does not write (it was given other limits).
    await fs.writeFile(path.join(out, 'images', '.b.partial', 'stray.png'), images[0]!.bytes);
    const before = new Map<string, { ino: number; mtimeMs: number }>();
    for (const rel of await listFiles(out, { hidden: true })) {
      if (!rel.startsWith('images/') || rel.endsWith(torn) || rel.endsWith('stray.png')) continue;
      const stat = await fs.stat(path.join(out, rel));
      before.set(rel.replace('/.b.partial/', '/b/'), { ino: stat.ino, mtimeMs: stat.mtimeMs });
    }
    assert.equal(before.size, 11);
    const report = await importDataset({ source: shards, out });
    assert.deepEqual({ resumed: report.resumed, imported: report.imported }, { resumed: 11, imported: 5 });
    for (const [rel, stat] of before) {
      const now = await fs.stat(path.join(out, rel));
      assert.deepEqual({ ino: now.ino, mtimeMs: now.mtimeMs }, stat, `${rel} was not rewritten`);
    }
    assert.deepEqual(await fs.readFile(path.join(out, 'images', 'b', torn)), whole, 'the torn image is whole again');
    assert.deepEqual((await fs.readdir(path.join(out, 'images', 'b'))).sort(), ofB, 'the stray image is gone');
    const strip = (records: ManifestRecord[]) => records.map(({ mtime_ms: _mtime, ...rest }) => rest);
    assert.deepEqual(strip(await manifest(out)), strip(await manifest(fresh)));
    assert.deepEqual((await listFiles(out, { hidden: true })).filter((f) => f.includes('.tmp')), []);
  });
});

test('a WebDataset import stopped inside a shard records what it finished and continues from there', async () => {
  await withDir(async (dir) => {
    const { shards } = await twoShards(dir);
    const out = path.join(dir, 'out');
    const controller = new AbortController();
    await assert.rejects(
      importDataset({ source: shards, out, signal: controller.signal, onProgress: (p) => p.file === 'b.tar' && controller.abort() }),
      (err: unknown) => err instanceof ImportError && err.code === 'cancelled',
    );
    assert.ok(await fs.stat(path.join(out, '.recaption-import', 'units', 'a.jsonl')).catch(() => null), 'a.tar was recorded before the stop');
    const report = await importDataset({ source: shards, out });
    // a.tar's images, and whatever of b.tar's was written whole before the stop, are kept.
    assert.ok(report.resumed >= 8, `${report.resumed} kept`);
    assert.equal(report.imported + report.resumed, 16);
    const fresh = path.join(dir, 'fresh');
    await importDataset({ source: shards, out: fresh });
    const strip = (records: ManifestRecord[]) => records.map(({ mtime_ms: _mtime, ...rest }) => rest);
    assert.deepEqual(strip(await manifest(out)), strip(await manifest(fresh)));
  });
});

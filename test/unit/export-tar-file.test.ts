// The hand-written tar file against tar-stream's packing, byte for byte: short and long names, names that
// are not ASCII (a pax header), empty entries and sizes at every block boundary, and chunks handed over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pack } from 'tar-stream';
import { TarFile } from '../../src/core/export/formats/tar-file.js';
import { ChunkPool } from '../../src/core/util/chunk-pool.js';
import { tempDir } from './export-fixture.js';

async function packed(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>((resolve) => tar.on('end', () => resolve()));
  for (const { name, data } of entries) {
    await new Promise<void>((resolve, reject) => tar.entry({ name, size: data.length, mtime: new Date(0), mode: 0o644 }, data, (err) => (err ? reject(err) : resolve())));
  }
  tar.finalize();
  await ended;
  return Buffer.concat(chunks);
}

test('a TarFile holds the bytes tar-stream packs for the same entries', async () => {
  const dir = await tempDir('tar');
  const entries: { name: string; data: Buffer }[] = [];
  const names = ['000000.txt', '000001.jpg', 'a'.repeat(100), 'b'.repeat(101), '000002.jpég', '000003.字', `000004.${'x'.repeat(120)}`];
  const sizes = [0, 1, 511, 512, 513, 1024, 5000, (4 << 20) + 17];
  for (let i = 0; i < names.length * sizes.length; i++) {
    const size = sizes[i % sizes.length]!;
    entries.push({ name: names[i % names.length]!, data: Buffer.alloc(size, i % 251) });
  }
  const file = path.join(dir, 'shard.tar');
  const tar = await TarFile.create(file, { mtime: 0 });
  for (const { name, data } of entries) await tar.entry(name, data);
  await tar.finish();
  assert.ok((await fs.readFile(file)).equals(await packed(entries)));
  await fs.rm(dir, { recursive: true, force: true });
});

test('a TarFile started takes entries before its file exists, and one that cannot be created fails at finish', async () => {
  const dir = await tempDir('tar-start');
  const entries = [{ name: '000000.txt', data: Buffer.from('a caption') }, { name: '000000.json', data: Buffer.alloc(700, 7) }];
  const file = path.join(dir, 'shard.tar');
  const tar = TarFile.start(file, { mtime: 0 });
  for (const { name, data } of entries) await tar.entry(name, data);
  await tar.finish();
  assert.ok((await fs.readFile(file)).equals(await packed(entries)));
  // The file is there now: a second one under its name is refused (created exclusively), and nothing is lost.
  const again = TarFile.start(file, { mtime: 0 });
  again.entry('000001.txt', Buffer.from('another'));
  await assert.rejects(again.finish(), { code: 'EEXIST' });
  assert.ok((await fs.readFile(file)).equals(await packed(entries)));
  await fs.rm(dir, { recursive: true, force: true });
});

test('entryText gives the bytes entry gives for the same text: encoded in place where it fits, through a buffer where it does not', async () => {
  const dir = await tempDir('tar-text');
  const texts = ['', 'a caption', 'é'.repeat(300), '字'.repeat(2000), 'x'.repeat(511), 'y'.repeat(512), '😀'.repeat(100), 'z'.repeat((1 << 20) + 3)];
  const names = ['000000.txt', 'a'.repeat(101), '000001.字'];
  const entries = Array.from({ length: 300 }, (_, i) => ({ name: names[i % names.length]!, data: Buffer.from(texts[i % texts.length]!, 'utf8'), text: texts[i % texts.length]! }));
  const file = path.join(dir, 'shard.tar');
  const tar = await TarFile.create(file, { mtime: 0 });
  for (const { name, text } of entries) await tar.entryText(name, text);
  await tar.finish();
  assert.ok((await fs.readFile(file)).equals(await packed(entries)));
  await fs.rm(dir, { recursive: true, force: true });
});

test('shards sharing a few small chunks, written without waiting, each hold the bytes tar-stream packs', async () => {
  const dir = await tempDir('tar-pool');
  // Chunks of 8 blocks: nearly every entry hands one over, and a chunk comes back to be refilled only once written.
  const chunks = new ChunkPool(4096);
  const shards = Array.from({ length: 3 }, (_, k) => ({ file: path.join(dir, `shard-${k}.tar`), entries: [] as { name: string; data: Buffer }[] }));
  const tars = shards.map(({ file }) => TarFile.start(file, { mtime: 0 }, chunks));
  for (let i = 0; i < 600; i++) {
    const k = i % shards.length;
    const entry = { name: `${String(i).padStart(6, '0')}.txt`, data: Buffer.alloc(1 + ((i * 977) % 3000), i % 251) };
    shards[k]!.entries.push(entry);
    // Not awaited: writes of every shard queue up while the next chunks fill.
    void tars[k]!.entry(entry.name, entry.data);
  }
  await Promise.all(tars.map((tar) => tar.finish()));
  for (const { file, entries } of shards) assert.ok((await fs.readFile(file)).equals(await packed(entries)), file);
  await fs.rm(dir, { recursive: true, force: true });
});

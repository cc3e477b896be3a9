import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { scanDataset } from '../../src/core/dataset/scan.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir, writeImage, writeText } from '../support/temp-dataset.js';

async function withDataset(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir();
  try {
    await fn(dir);
  } finally {
    await removeDir(dir);
  }
}

/** A JPEG with an IPTC Caption/Abstract in a Photoshop APP13 segment (sharp cannot write IPTC). */
async function jpegWithIptc(caption: string): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } }).jpeg().toBuffer();
  const text = Buffer.from(caption, 'utf8');
  const iim = Buffer.concat([Buffer.from([0x1c, 0x02, 0x78, text.length >> 8, text.length & 0xff]), text]);
  const padded = iim.length % 2 ? Buffer.concat([iim, Buffer.from([0])]) : iim;
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iim.length);
  const resource = Buffer.concat([Buffer.from('8BIM'), Buffer.from([0x04, 0x04, 0, 0]), size, padded]);
  const payload = Buffer.concat([Buffer.from('Photoshop 3.0\0'), resource]);
  const header = Buffer.from([0xff, 0xed, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** A PNG whose header claims huge dimensions: a decompression bomb in a few bytes. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

test('scan finds images recursively, skips hidden, junk and excluded paths, follows symlinks without looping', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'a.jpg');
    await writeImage(dir, 'cats/b.png');
    await writeImage(dir, 'cats/deep/c.webp');
    await writeImage(dir, 'cats/deep/d.gif');
    await writeImage(dir, 'cats/deep/e.tiff');
    await writeImage(dir, '.hidden/x.jpg');
    await writeImage(dir, '__MACOSX/y.jpg');
    await writeImage(dir, 'drafts/z.jpg');
    await writeImage(dir, 'cats/mask_b.png');
    await writeText(dir, 'notes.md', 'not an image');
    await fs.symlink(dir, path.join(dir, 'cats', 'loop'));
    await fs.symlink(path.join(dir, 'cats', 'deep'), path.join(dir, 'linked'));
    await fs.symlink(path.join(dir, 'nowhere.jpg'), path.join(dir, 'broken.jpg'));

    const { store, report } = await scanDataset(dir, { exclude: ['drafts/**', '**/mask_*'] });
    assert.deepEqual(store.names(), ['a.jpg', 'cats/b.png', 'cats/deep/c.webp', 'cats/deep/d.gif', 'cats/deep/e.tiff']);
    assert.ok(report.warnings.some((w) => /linked: a symbolic link back to a folder already scanned/.test(w)) ||
      report.warnings.some((w) => /loop/.test(w)), report.warnings.join('\n'));
    assert.ok(report.warnings.some((w) => /broken\.jpg: broken symbolic link/.test(w)));
    assert.equal(report.added, 5);
    const a = store.get('a.jpg')!;
    assert.equal(a.width, 24);
    assert.equal(a.height, 16);
    assert.match(a.sha256!, /^[0-9a-f]{64}$/);
    assert.equal(a.sha256, (await import('node:crypto')).createHash('sha256').update(await fs.readFile(path.join(dir, 'a.jpg'))).digest('hex'));
    // The manifest on disk is the store's serialization.
    assert.equal(await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), store.serialize());
  });
});

test('width and height are as displayed: EXIF orientation 6 swaps them', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'rotated.jpg', { width: 40, height: 10, orientation: 6 });
    await writeImage(dir, 'upright.jpg', { width: 40, height: 10, orientation: 1 });
    const { store } = await scanDataset(dir);
    assert.deepEqual([store.get('rotated.jpg')!.width, store.get('rotated.jpg')!.height], [10, 40]);
    assert.deepEqual([store.get('upright.jpg')!.width, store.get('upright.jpg')!.height], [40, 10]);
  });
});

test('ground truth from every source: sidecars, metadata.jsonl, metadata.csv, XMP, IPTC, EXIF', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'side/txt.jpg');
    await writeText(dir, 'side/txt.txt', '\uFEFFa cat on a mat\r\n');
    await writeImage(dir, 'side/cap.png');
    await writeText(dir, 'side/cap.caption', 'a dog');
    await writeImage(dir, 'side/both.jpg');
    await writeText(dir, 'side/both.txt', 'from txt');
    await writeText(dir, 'side/both.caption', 'from caption');
    await writeImage(dir, 'hf/one.jpg');
    await writeImage(dir, 'hf/two.jpg');
    await writeImage(dir, 'hf/sub/three.jpg');
    await writeText(dir, 'hf/metadata.jsonl', [
      JSON.stringify({ file_name: 'one.jpg', text: 'jsonl text' }),
      JSON.stringify({ file_name: 'two.jpg', alt_text: 'jsonl alt_text' }),
      '{bad json',
      JSON.stringify({ file_name: '../../etc/passwd', text: 'escape' }),
      JSON.stringify({ file_name: 'sub/three.jpg', caption: 'jsonl caption' }),
    ].join('\n'));
    await writeImage(dir, 'csv/four.jpg');
    await writeImage(dir, 'csv/five.jpg');
    await writeText(dir, 'csv/metadata.csv', '\uFEFFfile_name,alt,other\nfour.jpg,"csv alt, with comma",x\n"five.jpg","csv ""quoted""",y\n');
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="de">ein Bild</rdf:li><rdf:li xml:lang="x-default">xmp description</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const base = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#00f' } });
    await writeText(dir, 'embedded/xmp.png', await base().png().withXmp(xmp).toBuffer());
    await writeText(dir, 'embedded/exif.jpg', await base().jpeg().withExif({ IFD0: { ImageDescription: 'exif description' } }).toBuffer());
    await writeText(dir, 'embedded/iptc.jpg', await jpegWithIptc('iptc caption'));
    await writeText(dir, 'embedded/camera.jpg', await base().jpeg().withExif({ IFD0: { ImageDescription: 'OLYMPUS DIGITAL CAMERA' } }).toBuffer());

    const { store, report } = await scanDataset(dir);
    const alt = (name: string) => store.get(name)!.alt;
    assert.deepEqual(alt('side/txt.jpg'), { text: 'a cat on a mat', source: 'sidecar' });
    assert.deepEqual(alt('side/cap.png'), { text: 'a dog', source: 'sidecar' });
    assert.deepEqual(alt('side/both.jpg'), { text: 'from txt', source: 'sidecar' });
    assert.deepEqual(alt('hf/one.jpg'), { text: 'jsonl text', source: 'metadata.jsonl' });
    assert.deepEqual(alt('hf/two.jpg'), { text: 'jsonl alt_text', source: 'metadata.jsonl' });
    assert.deepEqual(alt('hf/sub/three.jpg'), { text: 'jsonl caption', source: 'metadata.jsonl' });
    assert.deepEqual(alt('csv/four.jpg'), { text: 'csv alt, with comma', source: 'metadata.csv' });
    assert.deepEqual(alt('csv/five.jpg'), { text: 'csv "quoted"', source: 'metadata.csv' });
    assert.deepEqual(alt('embedded/xmp.png'), { text: 'xmp description', source: 'xmp' });
    assert.deepEqual(alt('embedded/exif.jpg'), { text: 'exif description', source: 'exif' });
    assert.deepEqual(alt('embedded/iptc.jpg'), { text: 'iptc caption', source: 'iptc' });
    assert.equal(alt('embedded/camera.jpg'), null, 'camera placeholder text is not a caption');
    assert.ok(report.warnings.some((w) => /hf\/metadata\.jsonl line 3: not valid JSON/.test(w)));
    assert.ok(report.warnings.some((w) => /line 4: file_name "\.\.\/\.\.\/etc\/passwd" points outside/.test(w)));
    assert.equal(report.altImported, 11);
  });
});

test('sidecar text that is not UTF-8 is read as Windows-1252 with a warning naming the file', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'latin.jpg');
    await writeText(dir, 'latin.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80])); // "café €" in cp1252
    const { store, report } = await scanDataset(dir);
    assert.equal(store.get('latin.jpg')!.alt!.text, 'café €');
    assert.ok(report.warnings.some((w) => /sidecar latin\.txt is not valid UTF-8/.test(w)), report.warnings.join('\n'));
  });
});

test('bad images are recorded with a clear error and the rest of the folder is scanned', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'good.jpg');
    await writeText(dir, 'empty.jpg', Buffer.alloc(0));
    await writeText(dir, 'text.png', 'this is not a png');
    await writeImage(dir, 'whole.jpg', { width: 90, height: 90, color: '#3a7' });
    // Noise, so the entropy-coded data is most of the file and a cut lands inside it.
    const noise = Buffer.from(Array.from({ length: 90 * 90 * 3 }, (_, i) => (i * 2654435761) >>> 24));
    const big = await sharp(noise, { raw: { width: 90, height: 90, channels: 3 } }).jpeg().toBuffer();
    await writeText(dir, 'truncated.jpg', big.subarray(0, Math.floor(big.length * 0.6)));
    // Data after the JPEG end marker (motion photos, some cameras) is not damage.
    await writeText(dir, 'trailing.jpg', Buffer.concat([big, Buffer.alloc(3000, 7)]));
    const png = await sharp(noise, { raw: { width: 90, height: 90, channels: 3 } }).png().toBuffer();
    await writeText(dir, 'truncated.png', png.subarray(0, Math.floor(png.length * 0.7)));
    await writeText(dir, 'bitmap.bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]));
    await writeText(dir, 'bomb.png', pngBomb(100_000, 100_000));
    await writeImage(dir, 'over-limit.png', { width: 120, height: 100 });
    const { store, report } = await scanDataset(dir, { maxPixels: 10_000 });
    const error = (name: string) => store.get(name)!.error;
    assert.equal(error('good.jpg'), null);
    assert.equal(error('whole.jpg'), null);
    assert.equal(error('empty.jpg'), 'empty file (0 bytes)');
    assert.match(error('text.png')!, /^not a readable image: .*unsupported image format/);
    assert.match(error('truncated.jpg')!, /^cannot decode image \(truncated or corrupt\): /);
    assert.equal(error('trailing.jpg'), null);
    assert.match(error('truncated.png')!, /^cannot decode image \(truncated or corrupt\): /);
    assert.match(error('bitmap.bmp')!, /^not a readable image/);
    assert.match(error('bomb.png')!, /^image is 100000×100000 \(10000\.0 MP\), over the limit of 10000 pixels/);
    assert.match(error('over-limit.png')!, /^image is 120×100 \(12000 pixels\), over the limit of 10000 pixels \(setting recaption\.maxPixels\)$/);
    assert.equal(report.errors, 7);
    assert.equal(store.get('bomb.png')!.width, 100_000, 'the claimed size is recorded so the user sees why');
  });
});

test('file names with spaces, unicode and newlines are scanned and round-trip through the manifest', async () => {
  await withDataset(async (dir) => {
    const names = ['with space.jpg', 'ünïcødé/猫.png', 'new\nline.jpg'];
    for (const n of names) await writeImage(dir, n);
    await writeText(dir, 'with space.txt', 'spaced');
    await scanDataset(dir);
    const reloaded = await ManifestStore.open(dir);
    assert.deepEqual([...reloaded.names()].sort(), [...names].sort());
    assert.equal(reloaded.get('with space.jpg')!.alt!.text, 'spaced');
    assert.equal(reloaded.problems.length, 0);
  });
});

test('re-scan adds new images, marks vanished ones without losing captions, and notices changed content', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'keep.jpg');
    await writeImage(dir, 'gone.jpg');
    await writeImage(dir, 'change.jpg', { color: '#f00' });
    const first = await scanDataset(dir);
    const store = first.store;
    store.writeHumanCaption('gone.jpg', 'ssc', 'a human caption');
    store.writeMachineCaption('change.jpg', 'dsc', { text: 'a red square', by: 'model', model: 'm' });
    await store.save();

    await fs.rm(path.join(dir, 'gone.jpg'));
    await writeImage(dir, 'change.jpg', { color: '#00f' });
    await writeImage(dir, 'new.jpg');
    const { store: after, report } = await scanDataset(dir);
    assert.deepEqual(
      { added: report.added, changed: report.changed, unchanged: report.unchanged, missing: report.missing },
      { added: 1, changed: 1, unchanged: 1, missing: 1 },
    );
    assert.equal(after.get('gone.jpg')!.missing, true);
    assert.equal(after.get('gone.jpg')!.ssc!.text, 'a human caption');
    assert.equal(after.get('change.jpg')!.stale, true);
    assert.equal(after.get('change.jpg')!.dsc!.text, 'a red square', 'the caption is kept, flagged stale');
    assert.notEqual(after.get('change.jpg')!.sha256, first.store.get('change.jpg')?.sha256 ?? 'x');

    // The image comes back: no longer missing.
    await writeImage(dir, 'gone.jpg');
    const third = await scanDataset(dir);
    assert.equal(third.store.get('gone.jpg')!.missing, undefined);
    assert.equal(third.report.missing, 0);
  });
});

test('a re-scan of an unchanged folder re-hashes nothing and leaves the manifest byte-identical', async () => {
  await withDataset(async (dir) => {
    for (let i = 0; i < 5; i++) await writeImage(dir, `img${i}.jpg`);
    await scanDataset(dir);
    const before = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
    const stat = await fs.stat(path.join(dir, MANIFEST_NAME));
    const { report } = await scanDataset(dir);
    assert.equal(report.unchanged, 5);
    assert.equal(await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), before);
    assert.equal((await fs.stat(path.join(dir, MANIFEST_NAME))).mtimeMs, stat.mtimeMs, 'nothing to write, nothing written');
  });
});

test('a manifest with bad lines is scanned into without losing them', async () => {
  await withDataset(async (dir) => {
    await writeImage(dir, 'a.jpg');
    await writeText(dir, MANIFEST_NAME, 'this line is garbage\n');
    const { store } = await scanDataset(dir);
    assert.equal(store.problems.length, 1);
    const text = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
    assert.ok(text.startsWith('this line is garbage\n'));
    assert.ok(text.includes('"file_name":"a.jpg"'));
  });
});

// The import reads a plain JPEG's or PNG's size from its header without sharp (image-header.ts). Its
// promise: whatever it accepts, sharp reads as the same format and size, with nothing else the scan uses
// (orientation, EXIF, XMP, IPTC, pages), so the manifest record is the scan's. Held to sharp here on
// every kind of plain file, on files it must leave to sharp, and on thousands of damaged headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { readPlainHeader } from '../../src/core/import/image-header.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

/** A picture of seeded noise over a gradient: real entropy-coded data, the same bytes every run. */
function base(width: number, height: number, channels: 3 | 4 = 3): sharp.Sharp {
  const random = seededRandom(width * 7919 + height * 31 + channels);
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i / channels) % width) * 2 + Math.floor(random() * 64);
  return sharp(pixels, { raw: { width, height, channels } });
}

/** `jpeg` with a segment (marker, payload) inserted after SOI. */
function withSegment(jpeg: Buffer, marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
}

function jfif(major: number): Buffer {
  return Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, major, 0x02, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]);
}

/** Files the fast path must take (plain), by what they are. */
async function plainFiles(): Promise<Map<string, Buffer>> {
  const jpeg = await base(40, 30).jpeg().toBuffer();
  return new Map<string, Buffer>([
    ['jpeg', jpeg],
    ['jpeg 1×1', await base(1, 1).jpeg().toBuffer()],
    ['jpeg wide', await base(2000, 3).jpeg().toBuffer()],
    ['jpeg progressive', await base(40, 30).jpeg({ progressive: true }).toBuffer()],
    ['jpeg 4:4:4', await base(33, 17).jpeg({ chromaSubsampling: '4:4:4', quality: 95 }).toBuffer()],
    ['jpeg mozjpeg', await base(33, 17).jpeg({ mozjpeg: true }).toBuffer()],
    ['jpeg grey', await base(20, 50).greyscale().jpeg().toBuffer()],
    ['jpeg with JFIF 1.02', withSegment(jpeg, 0xe0, jfif(1))],
    ['jpeg with a comment', withSegment(jpeg, 0xfe, Buffer.from('made by a test'))],
    ['jpeg with a restart interval', withSegment(jpeg, 0xdd, Buffer.from([0, 0]))],
    ['png', await base(40, 30).png().toBuffer()],
    ['png rgba', await base(40, 30, 4).png().toBuffer()],
    ['png grey', await base(40, 30).greyscale().png().toBuffer()],
    ['png 16-bit', await base(21, 13).toColourspace('rgb16').png().toBuffer()],
    ['png palette', await base(40, 30).png({ palette: true }).toBuffer()],
    ['png palette, 2 colours', await sharp({ create: { width: 9, height: 9, channels: 3, background: 'white' } }).png({ palette: true, colours: 2 }).toBuffer()],
    ['png interlaced', await base(40, 30).png({ progressive: true }).toBuffer()],
  ]);
}

/** Files it must leave to sharp: orientation, EXIF, XMP, ICC, other formats, JFIF 2, no trailer. */
async function sharpFiles(): Promise<Map<string, Buffer>> {
  const jpeg = await base(40, 30).jpeg().toBuffer();
  const png = await base(40, 30).png().toBuffer();
  return new Map<string, Buffer>([
    ['jpeg with orientation', await base(40, 30).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['jpeg with EXIF', await base(40, 30).jpeg().withExif({ IFD0: { ImageDescription: 'words' } }).toBuffer()],
    ['jpeg with ICC', await base(40, 30).jpeg().withIccProfile('srgb').toBuffer()],
    ['jpeg with XMP', await base(40, 30).jpeg().withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>').toBuffer()],
    ['jpeg with JFIF 2.0', withSegment(jpeg, 0xe0, jfif(2))],
    ['jpeg cut short', jpeg.subarray(0, jpeg.length - 10)],
    ['jpeg CMYK', await base(20, 20).toColourspace('cmyk').jpeg().toBuffer()],
    ['png with ICC', await base(40, 30).png().withIccProfile('srgb').toBuffer()],
    ['png with XMP', await base(40, 30).png().withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>').toBuffer()],
    ['png cut short', png.subarray(0, png.length - 4)],
    ['webp', await base(40, 30).webp().toBuffer()],
    ['gif', await base(40, 30).gif().toBuffer()],
    ['tiff', await base(40, 30).tiff().toBuffer()],
  ]);
}

/** What the scan uses of sharp's header read, or null when sharp cannot read it. */
async function sharpView(bytes: Buffer): Promise<{ format: string; width: number; height: number; extra: string[] } | null> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return null;
  }
  const extra = (['orientation', 'exif', 'xmp', 'iptc', 'pageHeight'] as const).filter((k) => meta[k] !== undefined);
  return { format: meta.format, width: meta.width, height: meta.height, extra };
}

test('plain JPEGs and PNGs are read as sharp reads them', async () => {
  for (const [what, bytes] of await plainFiles()) {
    const read = readPlainHeader(bytes);
    assert.ok(read, `${what} is plain`);
    const view = await sharpView(bytes);
    assert.deepEqual({ format: read.format, width: read.width, height: read.height, extra: [] }, view, what);
  }
});

test('anything else is left to sharp', async () => {
  for (const [what, bytes] of await sharpFiles()) assert.equal(readPlainHeader(bytes), null, what);
  assert.equal(readPlainHeader(Buffer.alloc(0)), null);
  assert.equal(readPlainHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), null);
});

test('on thousands of damaged headers, whatever is accepted is what sharp reads', async () => {
  const random = seededRandom(26);
  let accepted = 0;
  let checked = 0;
  for (const [what, original] of [...(await plainFiles())].filter(([, b]) => b.length < 200_000)) {
    for (let i = 0; i < 250; i++) {
      const bytes = Buffer.from(original);
      // Mostly in the header (where the reader looks), sometimes anywhere.
      const span = random() < 0.8 ? Math.min(bytes.length, 700) : bytes.length;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const at = Math.floor(random() * span);
        bytes[at] = random() < 0.5 ? bytes[at]! ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
      }
      const read = readPlainHeader(bytes);
      checked++;
      if (!read) continue;
      accepted++;
      const view = await sharpView(bytes);
      assert.deepEqual({ format: read.format, width: read.width, height: read.height, extra: [] }, view, `${what}, damaged (case ${i}): the reader accepts what sharp reads otherwise`);
    }
  }
  // Damage to pixel data, quantisation values and the like leaves a header plain: those cases are checked.
  assert.ok(accepted > checked / 10, `only ${accepted} of ${checked} damaged files were accepted: the check says little`);
});

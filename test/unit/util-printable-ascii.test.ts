// The word-at-a-time check that a caption's bytes are printable ASCII (util/printable-ascii.ts) agrees with
// the plain definition on any bytes, at any alignment, and a caption column cleans a text as
// cleanCaptionText would while calling it only where the bytes are not printable ASCII.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrintableAsciiCheck } from '../../src/core/util/printable-ascii.js';
import { Utf8Column, utf8Rows } from '../../src/core/util/utf8-column.js';
import { cleanCaptionText } from '../../src/shared/caption-text.js';

const plainDefinition = (bytes: Uint8Array) => bytes.every((byte) => byte >= 0x20 && byte <= 0x7e);
const jsonDefinition = (bytes: Uint8Array) => plainDefinition(bytes) && !bytes.includes(0x22) && !bytes.includes(0x5c);

// Bytes near the edges of the range, where a word's borrow or carry could hide one.
const edgeByte = fc.oneof(fc.constantFrom(0x00, 0x09, 0x0a, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7e, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 }));
const mostlyPrintable = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), edgeByte);

test('the check is the plain definition, with and without JSON escapes, at every offset into a view that does not start its buffer', () => {
  const check = new PrintableAsciiCheck();
  fc.assert(
    fc.property(fc.array(mostlyPrintable, { maxLength: 80 }), fc.integer({ min: 0, max: 7 }), fc.nat(), fc.nat(), (values, viewOffset, a, b) => {
      const buffer = new ArrayBuffer(viewOffset + values.length + 8);
      const bytes = new Uint8Array(buffer, viewOffset, values.length + 8 - (viewOffset % 4));
      bytes.set(values);
      const start = values.length === 0 ? 0 : a % values.length;
      const end = start + (values.length === 0 ? 0 : b % (values.length - start + 1));
      assert.equal(check.test(bytes, start, end), plainDefinition(bytes.subarray(start, end)));
      assert.equal(check.test(bytes, start, end, true), jsonDefinition(bytes.subarray(start, end)));
    }),
    { numRuns: 3000 },
  );
});

test('one byte outside the range is found wherever it sits in a long printable run', () => {
  const bytes = new Uint8Array(64).fill(0x61);
  const check = new PrintableAsciiCheck();
  assert.equal(check.test(bytes, 0, 64), true);
  for (const bad of [0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xff]) {
    for (let at = 0; at < 64; at++) {
      bytes[at] = bad;
      assert.equal(check.test(bytes, 0, 64), false, `0x${bad.toString(16)} at ${at}`);
      // Outside the range asked about, it does not count.
      assert.equal(check.test(bytes, at + 1, 64), true);
      bytes[at] = 0x61;
    }
  }
});

const captionText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('a', ' ', 'Z', '~', '\t', '\n', '\r', '\x7f', '\x85', 'é', '\u2028', '\u202e', '\ud83d', '😀'), maxLength: 40 }),
);

test('a caption column stores what cleanCaptionText makes of each text, calling it only for texts not all printable ASCII', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(captionText, fc.boolean()), { maxLength: 40 }), (rows) => {
      const column = new Utf8Column();
      let calls = 0;
      const counted = (text: string) => {
        calls++;
        return cleanCaptionText(text);
      };
      // Caption rows between plain ones, so a row written again must not disturb its neighbours.
      for (const [text, caption] of rows) {
        if (caption) column.pushCleaned(text, counted);
        else column.push(text);
      }
      const stored = utf8Rows(column.take()).map((row) => Buffer.from(row!).toString('utf8'));
      const expected = rows.map(([text, caption]) => Buffer.from(caption ? cleanCaptionText(text) : text, 'utf8').toString('utf8'));
      assert.deepEqual(stored, expected);
      const needed = rows.filter(([text, caption]) => caption && !/^[\x20-\x7e]*$/.test(text)).length;
      assert.equal(calls, needed);
    }),
    { numRuns: 1000 },
  );
});

test('a caption column cleans past its first buffer, where the bytes are replaced', () => {
  const column = new Utf8Column();
  const texts = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `line ${i}\r\nnext\x00 ${'x'.repeat(300)}` : `plain ${i} ${'y'.repeat(300)}`));
  for (const text of texts) column.pushCleaned(text, cleanCaptionText);
  const values = column.take();
  assert.ok(values.bytes.length > 1 << 16, 'the column outgrew its first buffer');
  assert.deepEqual(
    utf8Rows(values).map((row) => Buffer.from(row!).toString('utf8')),
    texts.map(cleanCaptionText),
  );
});

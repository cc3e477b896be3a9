// The buffered writers of an export: a text sink hands large chunks to its file, one written while the next
// fills, and keeps every byte in order; writes kept in flight never exceed their bound and fail loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { InFlight } from '../../src/core/export/in-flight.js';
import { TextSink } from '../../src/core/export/text-sink.js';
import { cleanCaptionJson } from '../../src/shared/caption-text.js';
import { tempDir } from './export-fixture.js';

test('a text sink writes every line in order across many chunks, lines longer than a chunk among them', async () => {
  const dir = await tempDir('sink');
  const file = path.join(dir, 'out.jsonl');
  const sink = await TextSink.create(file);
  const expected: string[] = [];
  let waits = 0;
  for (let i = 0; i < 40_000; i++) {
    // Two- and four-byte characters, and now and then a line of several chunks' bytes.
    const text = i % 10_000 === 5 ? '😀'.repeat(1_500_000) : `${i} ${'é'.repeat(i % 500)}${i % 7 === 0 ? '😀' : ''}`;
    expected.push(`${text}\n`);
    // Lines given whole, and lines whose end the sink adds.
    const wait = i % 2 === 0 ? sink.write(`${text}\n`) : sink.writeLine(text);
    if (wait) {
      waits++;
      await wait;
    }
  }
  await sink.close();
  assert.equal(await fs.readFile(file, 'utf8'), expected.join(''));
  assert.ok(waits > 0, 'the sink waited for a chunk being written');
  await fs.rm(dir, { recursive: true, force: true });
});

test('a line with a caption is head, cleanCaptionJson(caption) and tail, written again where the caption is not plain, across chunks', async () => {
  const dir = await tempDir('sink-caption');
  // Heads and tails are JSON made by stringify: well-formed, whatever else they hold.
  const piece = fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '{', ':', 'é', '\x7f', '\n', '\r', '\u2028', '😀'), maxLength: 12 });
  const caption = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom('a', 'B', ' ', '~', '"', '\\', '\t', '\x00', '\x7f', '\x85', 'é', '\u202e', '\ud800', '😀'), maxLength: 60 }),
    // Plain captions of the length that fills chunks.
    fc.integer({ min: 300, max: 3000 }).map((n) => 'a plain caption. '.repeat(n).slice(0, n)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(piece, caption, piece, fc.boolean()), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 5000 }), async (lines, filler) => {
      const file = path.join(dir, 'out.jsonl');
      await fs.rm(file, { force: true });
      const sink = await TextSink.create(file);
      const expected: string[] = [];
      // Filler first, so that the lines fall at every place in the first chunk and across into the next.
      for (let i = 0; i < filler; i++) {
        const text = `${i} ${'x'.repeat(800)}`;
        expected.push(`${text}\n`);
        await sink.writeLine(text);
      }
      for (const [head, text, tail, newline] of lines) {
        expected.push(`${head}${cleanCaptionJson(text)}${tail}${newline ? '\n' : ''}`);
        await sink.writeWithCaption(head, text, tail, newline);
      }
      await sink.close();
      assert.equal(await fs.readFile(file, 'utf8'), expected.join(''));
    }),
    { numRuns: 60 },
  );
  await fs.rm(dir, { recursive: true, force: true });
});

test('a caption longer than a chunk, plain or not, is written whole between its head and tail', async () => {
  const dir = await tempDir('sink-long-caption');
  const file = path.join(dir, 'out.jsonl');
  const sink = await TextSink.create(file);
  // Past a 4 MB chunk even as one byte a unit; the second needs escaping and has four-byte characters.
  const captions = ['a plain caption '.repeat(400_000), `say "hi" 😀 ${'é'.repeat(1_500_000)}\u2028end`];
  const expected: string[] = [];
  for (const [i, caption] of captions.entries()) {
    expected.push(`{"n":${i},"text":${cleanCaptionJson(caption)}}\n`, 'short line\n');
    await sink.writeWithCaption(`{"n":${i},"text":`, caption, '}', true);
    await sink.writeLine('short line');
  }
  await sink.close();
  assert.equal(await fs.readFile(file, 'utf8'), expected.join(''));
  await fs.rm(dir, { recursive: true, force: true });
});

test('writes in flight stay within their bound; the first failure is thrown', async () => {
  const flight = new InFlight(3);
  let running = 0;
  let most = 0;
  const task = (ms: number, fail = false) =>
    (async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      if (fail) throw new Error('disk full');
    })();
  for (let i = 0; i < 20; i++) {
    const wait = flight.add(task(1 + (i % 4)));
    if (wait) await wait;
  }
  await flight.settle();
  assert.equal(most, 3);
  const failing = new InFlight(2);
  failing.add(task(1, true));
  await assert.rejects(failing.settle(), /disk full/);
});

// Control and line-separator characters (\u2028, \x85, \v, \f, \0, C0/C1) from edits and remote answers
// turned one caption into six under Python's splitlines() in sidecar and metadata exports. They are
// normalised when written and again on export; a caption stays one line where the format is line-based.
// An export writes a caption that needs neither cleaning nor JSON escaping as it is (isPlainCaption).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { extract } from 'tar-stream';
import { cleanCaptionJson, cleanCaptionText, isPlainCaption, pythonSplitLines } from '../../src/shared/caption-text.js';
import { exportFineTuneSet } from '../../src/core/export/index.js';
import { approvedImages, makeDataset, tempDir } from './export-fixture.js';
import { query } from '../support/duckdb-query.js';

const NASTY = 'a red\u2028square\x85on\vgrey\ffloor\0 with\x1c a \x9blabel\r\nand a second line';

test('writes keep one caption one caption: line breaks unified, other controls removed', async () => {
  assert.equal(cleanCaptionText(NASTY), 'a red\nsquare\non\ngrey\nfloor with\n a label\nand a second line');
  const store = await makeDataset(approvedImages(1));
  const name = store.names()[0]!;
  store.writeHumanCaption(name, 'dsc', NASTY);
  assert.equal(store.get(name)!.dsc!.text, cleanCaptionText(NASTY));
  store.writeMachineCaption(name, 'ssc', { text: 'from\u2029the\0server', by: 'model', model: 'm' }, { override: true });
  assert.equal(store.get(name)!.ssc!.text, 'from\ntheserver');
});

test('sidecar and metadata exports hold each caption on one line as Python reads them, even from a hand-edited manifest', async () => {
  const images = approvedImages(2).map((img) => ({ ...img, extra: {} }));
  const store = await makeDataset(images);
  // A manifest written by another tool, with the characters in place.
  for (const name of store.names()) store.put({ ...store.get(name)!, dsc: { ...store.get(name)!.dsc!, text: NASTY } });
  for (const format of ['sidecar', 'hf'] as const) {
    const out = await tempDir(format);
    await exportFineTuneSet({ store, out, profile: 'dsc', format, validation: 0, images: 'none', force: true });
    if (format === 'sidecar') {
      for (const name of store.names()) {
        const text = await fs.readFile(path.join(out, 'train', name.replace(/\.png$/, '.txt')), 'utf8');
        assert.equal(pythonSplitLines(text).length, 1, JSON.stringify(text));
      }
    } else {
      const metadata = await fs.readFile(path.join(out, 'train', 'metadata.jsonl'), 'utf8');
      assert.equal(pythonSplitLines(metadata).length, 2, 'one line per image');
      for (const line of pythonSplitLines(metadata)) assert.equal(JSON.parse(line).text, cleanCaptionText(NASTY));
    }
  }
});

/** The captions of a captions-only export's train split, as its readers get them. */
async function exportedCaptions(out: string, format: 'webdataset' | 'llava' | 'openai' | 'parquet'): Promise<string[]> {
  switch (format) {
    case 'webdataset': {
      const captions: string[] = [];
      const ex = extract();
      const done = (async () => {
        for await (const entry of ex) {
          const chunks: Buffer[] = [];
          for await (const chunk of entry) chunks.push(chunk as Buffer);
          if (entry.header.name.endsWith('.txt')) captions.push(Buffer.concat(chunks).toString('utf8'));
        }
      })();
      ex.end(await fs.readFile(path.join(out, 'train-000000.tar')));
      await done;
      return captions;
    }
    case 'llava':
      return (JSON.parse(await fs.readFile(path.join(out, 'train.json'), 'utf8')) as { conversations: { value: string }[] }[]).map((entry) => entry.conversations[1]!.value);
    case 'openai':
      return (await fs.readFile(path.join(out, 'train.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { messages: { content: string }[] }).messages[1]!.content);
    case 'parquet':
      return (await query(`SELECT text FROM read_parquet('${path.join(out, 'data', '*.parquet').replace(/'/g, "''")}') ORDER BY file_name`)).map((row) => String(row.text));
  }
}

test('every format writes the clean caption, whichever of its paths the caption takes: plain, escaped, cleaned', async () => {
  // Plain ASCII, ASCII to escape, other characters kept, characters to clean: each takes another path.
  const captions = ['a plain caption of a red square', 'say "hi" \\ to the back\tslash', 'café — «quoted» 😀', NASTY, `${'long plain caption '.repeat(40)}\x7f`];
  const store = await makeDataset(approvedImages(captions.length));
  // As a manifest written by another tool holds them.
  store.names().forEach((name, i) => store.put({ ...store.get(name)!, dsc: { ...store.get(name)!.dsc!, text: captions[i]! } }));
  assert.deepEqual(store.names().map((name) => store.get(name)!.dsc!.text), captions);
  const expected = captions.map(cleanCaptionText);
  assert.equal(expected.filter((text, i) => text !== captions[i]).length, 2, 'two captions are cleaned');
  for (const format of ['webdataset', 'llava', 'openai', 'parquet'] as const) {
    const out = await tempDir(format);
    await exportFineTuneSet({ store, out, profile: 'dsc', format, validation: 0, images: 'none', force: true });
    assert.deepEqual(await exportedCaptions(out, format), expected, format);
  }
});

test('the JSON of a caption is that of its clean text, and a plain one is clean already, for every UTF-16 unit and any text', () => {
  for (let code = 0; code < 0x10000; code++) {
    const text = `a${String.fromCharCode(code)}b`;
    assert.equal(cleanCaptionJson(text), JSON.stringify(cleanCaptionText(text)), `U+${code.toString(16)}`);
    if (isPlainCaption(text)) assert.equal(cleanCaptionText(text), text, `U+${code.toString(16)}`);
  }
  // Nearly every caption is plain: the export's fast path must be the common one.
  assert.equal(isPlainCaption('A detailed description, with an apostrophe\'s café — and «quotes»'), true);
  assert.equal(isPlainCaption('an emoji 😀 goes through stringify'), false);
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom(NASTY, 'say "hi"', 'back\\slash', 'pair 😀', 'lone \ud83d', '\u2028')), (text) => {
      assert.equal(cleanCaptionJson(text), JSON.stringify(cleanCaptionText(text)));
      if (isPlainCaption(text)) assert.equal(cleanCaptionText(text), text);
    }),
    { numRuns: 3000 },
  );
});

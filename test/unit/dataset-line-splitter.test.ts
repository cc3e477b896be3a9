// The line splitter gives the parser the same lines, line numbers and spans however the file's bytes are cut
// into blocks: one block, blocks of random sizes, and single bytes (each line then carried across blocks,
// the byte path). ASCII blocks take a faster path (one text per block, a slice per line), so the files mix
// ASCII and other lines, CRLF and LF, blank lines, broken JSON, a byte-order mark, and a line too long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/core/dataset/line-splitter.js';
import { ManifestLineParser, MAX_LINE_BYTES, type ParsedManifest } from '../../src/core/dataset/manifest-codec.js';
import { seededRandom } from '../../src/core/util/seeded-random.js';

interface Seen {
  parsed: ParsedManifest;
  lines: number;
  hadBom: boolean;
  /** Each record handed over: its line, name and span. */
  spans: string[];
}

function splitInBlocks(file: Buffer, blockSizes: () => number): Seen {
  const spans: string[] = [];
  const parser = new ManifestLineParser((record, line) => spans.push(`${line}:${record.file_name}@${splitter.span.offset}+${splitter.span.length}`));
  const splitter = new LineSplitter(parser);
  for (let at = 0; at < file.length; ) {
    const size = Math.max(1, blockSizes());
    splitter.add(file.subarray(at, at + size));
    at += size;
  }
  splitter.finish();
  return { parsed: parser.finish(), lines: splitter.lines, hadBom: splitter.hadBom, spans };
}

function manifest(random: () => number, crlf: boolean, bom: boolean): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const kind = random();
    const caption = kind < 0.2 ? `caf\u00e9 ${i} \u{1F408}` : `a red kite ${i}`;
    if (kind < 0.05) lines.push('');
    else if (kind < 0.08) lines.push(`{"file_name": "broken ${i}.jpg", `);
    else lines.push(JSON.stringify({ file_name: `img ${i}.jpg`, width: 4, height: 3, sha256: null, alt: { text: caption, source: 'sidecar' }, error: null }));
  }
  const text = (bom ? '\ufeff' : '') + lines.join(crlf ? '\r\n' : '\n') + (random() < 0.5 ? '\n' : '');
  return Buffer.from(text, 'utf8');
}

test('the same lines and spans whatever the blocks, ASCII or not, LF or CRLF, with a byte-order mark or not', () => {
  const random = seededRandom(11);
  for (const crlf of [false, true]) {
    for (const bom of [false, true]) {
      const file = manifest(random, crlf, bom);
      const bytewise = splitInBlocks(file, () => 1);
      assert.ok(bytewise.spans.length > 200);
      assert.ok(bytewise.parsed.problems.length > 0);
      assert.equal(bytewise.parsed.eol, crlf ? '\r\n' : '\n');
      assert.equal(bytewise.hadBom, bom);
      for (const blocks of [() => file.length, () => Math.floor(random() * 700), () => 64 << 10, () => 37]) {
        assert.deepEqual(splitInBlocks(file, blocks), bytewise);
      }
    }
  }
});

test('an ASCII line too long is kept as a span in any block', () => {
  const long = `{"file_name": "long.jpg", "alt": {"text": "${'x'.repeat(MAX_LINE_BYTES)}"}}`;
  const file = Buffer.from(`{"file_name": "a.jpg"}\n${long}\n{"file_name": "b.jpg"}\n`, 'latin1');
  for (const size of [file.length, 1 << 20]) {
    const seen = splitInBlocks(file, () => size);
    assert.deepEqual(seen.spans, ['1:a.jpg@0+22', '3:b.jpg@' + (24 + long.length) + '+22']);
    assert.equal(seen.parsed.problems.length, 1);
    assert.deepEqual(seen.parsed.problems[0]!.span, { offset: 23, length: long.length });
    assert.equal(seen.lines, 3);
  }
});

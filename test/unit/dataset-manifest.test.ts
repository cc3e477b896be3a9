import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseManifest, serializeManifest, unsafeFileNameReason } from '../../src/core/dataset/manifest-codec.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';

const rec = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...emptyRecord(name), width: 4, height: 3, sha256: 'ab', ...extra });

test('malformed lines are reported with their line number and written back verbatim in place', () => {
  const lines = [
    rec('b.jpg'),
    '{"file_name": "c.jpg", broken',
    rec('a.jpg'),
    '[1,2,3]',
    '{"width": 3}',
    rec('../escape.jpg'),
    rec('d.jpg', { ssc: { text: 'x', by: 'robot', review: null } }),
  ];
  const parsed = parseManifest(lines.join('\n') + '\n');
  assert.deepEqual(parsed.records.map((r) => r.file_name), ['b.jpg', 'a.jpg']);
  assert.deepEqual(parsed.problems.map((p) => p.line), [2, 4, 5, 6, 7]);
  assert.match(parsed.problems[0]!.message, /not valid JSON/);
  assert.match(parsed.problems[1]!.message, /not a JSON object/);
  assert.match(parsed.problems[2]!.message, /file_name/);
  assert.match(parsed.problems[3]!.message, /escapes/);
  assert.match(parsed.problems[4]!.message, /ssc\.by must be one of/);

  const out = serializeManifest(parsed.records, parsed.problems);
  const outLines = out.trimEnd().split('\n');
  // Every bad line survives byte for byte; the good ones are sorted.
  for (const bad of lines.slice(1).filter((l, i) => i !== 1)) assert.ok(outLines.includes(bad), `kept: ${bad}`);
  assert.equal(outLines.length, lines.length);
  assert.equal(JSON.parse(outLines.find((l) => l.includes('"a.jpg"'))!).file_name, 'a.jpg');
  assert.ok(outLines.indexOf(rec('a.jpg')) < outLines.indexOf(rec('b.jpg')), 'sorted by file_name');
  // The bad line that followed b.jpg still follows b.jpg.
  assert.equal(outLines[outLines.indexOf(rec('b.jpg')) + 1], lines[1]);
  // A second round trip is stable.
  const again = parseManifest(out);
  assert.equal(serializeManifest(again.records, again.problems), out);
});

test('a BOM and CRLF line endings load, and CRLF is kept on save', () => {
  const text = '\uFEFF' + rec('a.jpg') + '\r\n' + rec('b.jpg') + '\r\n';
  const parsed = parseManifest(text);
  assert.equal(parsed.records.length, 2);
  assert.equal(parsed.problems.length, 0);
  assert.equal(parsed.eol, '\r\n');
  assert.equal(serializeManifest(parsed.records, parsed.problems, parsed.eol), rec('a.jpg') + '\r\n' + rec('b.jpg') + '\r\n');
});

test('duplicate file_name lines: the first wins, the duplicate is reported and kept', () => {
  const dup = rec('a.jpg', { alt: { text: 'second', source: 'sidecar' } });
  const parsed = parseManifest([rec('a.jpg'), dup].join('\n'));
  assert.equal(parsed.records.length, 1);
  assert.equal(parsed.records[0]!.alt, null);
  assert.equal(parsed.problems.length, 1);
  assert.match(parsed.problems[0]!.message, /duplicate file_name "a\.jpg"/);
  assert.equal(parsed.problems[0]!.line, 2);
  assert.ok(serializeManifest(parsed.records, parsed.problems).includes(dup));
});

test('fields other tools add are preserved, and contract fields come first in a fixed order', () => {
  const parsed = parseManifest(JSON.stringify({ zeta: 1, file_name: 'a.jpg', tags: ['x'], width: 2, height: 2 }));
  const line = serializeManifest(parsed.records, parsed.problems).trimEnd();
  assert.deepEqual(Object.keys(JSON.parse(line)), ['file_name', 'width', 'height', 'sha256', 'alt', 'ssc', 'dsc', 'error', 'zeta', 'tags']);
});

test('file names with spaces, unicode and newlines round-trip; unsafe ones are refused', () => {
  for (const name of ['my cat.jpg', 'été/猫 1.png', 'line\nbreak.jpg']) {
    const parsed = parseManifest(rec(name));
    assert.equal(parsed.records[0]?.file_name, name);
  }
  for (const name of ['/etc/passwd', '../a.jpg', 'a/../../b.jpg', 'C:/x.jpg', 'a\\b.jpg', '', 'a//b.jpg']) {
    assert.notEqual(unsafeFileNameReason(name), null, name);
  }
});

test('the store refuses machine writes over human or reviewed captions unless overridden', () => {
  const store = ManifestStore.fromText('/nowhere', [rec('a.jpg'), rec('b.jpg'), rec('c.jpg')].join('\n'));
  const machine = { text: 'a red square', by: 'model' as const, model: 'tiny' };
  assert.equal(store.writeMachineCaption('a.jpg', 'ssc', machine), 'written');
  // A machine may replace a machine caption.
  assert.equal(store.writeMachineCaption('a.jpg', 'ssc', { ...machine, text: 'a blue square' }), 'written');
  assert.equal(store.get('a.jpg')!.ssc!.text, 'a blue square');

  store.writeHumanCaption('a.jpg', 'ssc', 'a crimson square');
  const human = store.get('a.jpg')!.ssc!;
  assert.equal(human.by, 'human');
  assert.equal(human.original, 'a blue square', 'the model text the human replaced is kept');
  assert.equal(store.writeMachineCaption('a.jpg', 'ssc', machine), 'protected');
  assert.equal(store.writeMachineCaption('a.jpg', 'ssc', { ...machine, by: 'upsample' }), 'protected');
  assert.equal(store.get('a.jpg')!.ssc!.text, 'a crimson square');

  // Reviewed machine captions are protected too, approved or rejected.
  store.writeMachineCaption('b.jpg', 'dsc', machine);
  store.setReview('b.jpg', 'dsc', 'rejected');
  assert.equal(store.writeMachineCaption('b.jpg', 'dsc', { ...machine, text: 'other' }), 'protected');
  assert.equal(store.get('b.jpg')!.dsc!.text, 'a red square');
  store.writeMachineCaption('c.jpg', 'dsc', machine);
  store.setReview('c.jpg', 'dsc', 'approved');
  assert.equal(store.writeMachineCaption('c.jpg', 'dsc', { ...machine, text: 'other' }), 'protected');

  // Only an explicit override replaces them.
  assert.equal(store.writeMachineCaption('a.jpg', 'ssc', machine, { override: true }), 'written');
  assert.equal(store.get('a.jpg')!.ssc!.by, 'model');
  assert.throws(() => store.writeMachineCaption('a.jpg', 'ssc', { ...machine, by: 'human' as 'model' }), /machine author/);
});

test('load, edit, save and load again gives the same records; problems survive the file round trip', async () => {
  const dir = await makeTempDir();
  try {
    await fs.writeFile(path.join(dir, MANIFEST_NAME), [rec('b.jpg'), 'oops', rec('a.jpg')].join('\n') + '\n');
    const store = await ManifestStore.open(dir);
    assert.equal(store.problems.length, 1);
    store.writeMachineCaption('a.jpg', 'dsc', { text: 'desc', by: 'model', model: 'm' });
    assert.equal(store.isDirty, true);
    await store.save();
    assert.equal(store.isDirty, false);
    const text = await fs.readFile(path.join(dir, MANIFEST_NAME), 'utf8');
    assert.ok(text.split('\n').includes('oops'));
    const again = await ManifestStore.open(dir);
    assert.equal(again.get('a.jpg')!.dsc!.text, 'desc');
    assert.equal(again.serialize(), store.serialize());
    const leftovers = (await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  } finally {
    await removeDir(dir);
  }
});

test('a manifest larger than the read block loads line by line, across block edges, and saves back identical', async () => {
  const dir = await makeTempDir();
  try {
    // About 12 MB with a BOM, CRLF endings, unicode names and a bad line: crosses the 8 MB read block.
    const lines = Array.from({ length: 20_000 }, (_, i) => rec(`dir/画像 ${String(i).padStart(5, '0')}.jpg`, { alt: { text: 'é'.repeat(250 + (i % 7)), source: 'sidecar' } }));
    lines.splice(12_345, 0, 'not json at all');
    await fs.writeFile(path.join(dir, MANIFEST_NAME), '\uFEFF' + lines.join('\r\n') + '\r\n');
    const store = await ManifestStore.open(dir);
    assert.equal(store.size, 20_000);
    assert.deepEqual(store.problems.map((p) => p.line), [12_346]);
    assert.equal(store.get('dir/画像 19999.jpg')!.alt!.text.length, 250 + (19_999 % 7));
    await store.saveTo(path.join(dir, 'copy.jsonl'));
    // Byte for byte, the BOM included.
    const original = '\uFEFF' + lines.join('\r\n') + '\r\n';
    assert.equal(await fs.readFile(path.join(dir, 'copy.jsonl'), 'utf8'), original);
    assert.equal(store.sha256(), (await import('node:crypto')).createHash('sha256').update(original).digest('hex'));
  } finally {
    await removeDir(dir);
  }
});

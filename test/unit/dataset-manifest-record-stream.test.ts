// The manifest read once as it streams by: the same records and problem lines an index finds, its sha256 as
// a save would write the file (or null when the file's bytes are not that), and a file out of order refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { ManifestFile } from '../../src/core/dataset/manifest-file.js';
import { ManifestOrderError } from '../../src/core/dataset/manifest-record-stream.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { tempDir } from './export-fixture.js';

function lines(n: number, textBytes = 40): string[] {
  return Array.from({ length: n }, (_, i) => serializeRecord({ ...emptyRecord(`f/${String(i).padStart(6, '0')}.png`), alt: { text: `alt ${i} ${'x'.repeat(textBytes)}`, source: 'sidecar' } }));
}

async function streamed(text: string | Buffer): Promise<{ records: ManifestRecord[]; problems: string[]; sha: string | null; store: { sha: string; names: readonly string[]; problems: number } }> {
  const folder = await tempDir('stream');
  await fs.writeFile(path.join(folder, 'recaption.jsonl'), text);
  const stream = new ManifestFile(folder).open()!;
  const records: ManifestRecord[] = [];
  try {
    for await (const batch of stream.batches()) records.push(...batch);
  } finally {
    stream.close();
  }
  const end = stream.end();
  const store = await ManifestStore.open(folder);
  const result = { records, problems: end.problems.map((p) => `${p.line}: ${p.message}`), sha: end.savedSha256, store: { sha: store.sha256(), names: store.names(), problems: store.problems.length } };
  store.close();
  await fs.rm(folder, { recursive: true, force: true });
  return result;
}

test('a sorted file streams as its index reads it, hashed as saved, across many blocks', async () => {
  const text = lines(5000, 200).join('\n') + '\n';
  const r = await streamed(text);
  assert.deepEqual(
    r.records.map((x) => x.file_name),
    r.store.names,
  );
  assert.equal(r.sha, createHash('sha256').update(text).digest('hex'));
  assert.equal(r.sha, r.store.sha);
});

test('problem lines and later lines of a name are counted as an index counts them; the bytes are still as saved', async () => {
  const all = lines(6);
  const text = [all[0], '{not json', all[1], all[2], all[2]!.replace('alt 2', 'other'), all[3], '{"file_name":"../up.png"}', all[4], all[5]].join('\n') + '\n';
  const r = await streamed(text);
  assert.equal(r.records.length, 6);
  assert.equal(r.records[2]!.alt!.text.startsWith('alt 2'), true, 'the first line of a name wins');
  assert.equal(r.problems.length, 3);
  assert.match(r.problems[1]!, /^5: duplicate file_name/);
  assert.equal(r.problems.length, r.store.problems);
  assert.equal(r.sha, r.store.sha);
});

test('CRLF throughout is as saved; a blank line, a missing last line end or mixed line ends are not', async () => {
  const all = lines(4);
  const crlf = await streamed(all.join('\r\n') + '\r\n');
  assert.equal(crlf.sha, crlf.store.sha);
  for (const text of [all.join('\n') + '\n\n', all.join('\n'), all.slice(0, 2).join('\r\n') + '\r\n' + all.slice(2).join('\n') + '\n', '\ufeff' + all.join('\n')]) {
    const r = await streamed(text);
    assert.equal(r.records.length, 4);
    assert.equal(r.sha, null, JSON.stringify(text.slice(-20)));
  }
  const bom = await streamed('\ufeff' + all.join('\n') + '\n');
  assert.equal(bom.sha, bom.store.sha);
  const empty = await streamed('');
  assert.equal(empty.sha, empty.store.sha);
});

test('a file out of name order is refused, to be indexed instead', async () => {
  const all = lines(3);
  await assert.rejects(streamed([all[1], all[0], all[2]].join('\n') + '\n'), ManifestOrderError);
});

test('the records a file is expected to hold are estimated from its first block and stay so, however far the pass has read', async () => {
  const folder = await tempDir('stream-expect');
  // Lines of two lengths, the first block's shorter: an estimate from more blocks would come out lower.
  const text = [...lines(1500, 60), ...lines(6000, 400).slice(1500)].join('\n') + '\n';
  await fs.writeFile(path.join(folder, 'recaption.jsonl'), text);
  const stream = new ManifestFile(folder).open()!;
  assert.equal(stream.expectedRecords, 0, 'nothing read: nothing to estimate from');
  const seen: number[] = [];
  try {
    for await (const batch of stream.batches()) {
      assert.ok(batch.length > 0);
      seen.push(stream.expectedRecords);
    }
  } finally {
    stream.close();
  }
  assert.ok(seen.length > 4, `${seen.length} blocks`);
  assert.ok(seen.every((n) => n === seen[0]), 'fixed by the first block');
  // The first block holds the short lines only: it overestimates the 6000 records.
  assert.ok(seen[0]! > 6000, `${seen[0]} expected`);
  await fs.rm(folder, { recursive: true, force: true });
});

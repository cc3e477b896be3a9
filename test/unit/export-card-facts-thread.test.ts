// The card's facts gathered on their own thread from the lines of the manifest file equal those gathered
// on the export's thread from the records (byte-order mark, CRLF, blank and broken lines, non-ASCII and
// looping captions, lines over several read windows), and a file changed under the pass is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { serializeRecord } from '../../src/core/dataset/manifest-codec.js';
import { ManifestChangedError } from '../../src/core/dataset/line-source.js';
import { cardFactsHere } from '../../src/core/export/card/card-facts.js';
import { ManifestFile, openPass } from '../../src/core/export/export-source.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { tempDir } from './export-fixture.js';

const LOOP = 'a red kite over the hill a red kite over the hill a red kite over the hill';

function record(i: number): ManifestRecord {
  const r = emptyRecord(`img/${String(i).padStart(5, '0')}.jpg`);
  const at = '2026-12-01T00:00:00.000Z';
  return {
    ...r,
    missing: i % 97 === 0 ? true : undefined,
    alt: i % 5 === 0 ? undefined : { text: i % 7 === 0 ? 'Stock photo.' : `alt ${i % 13} — café «ü» ${'word '.repeat(i % 9)}`, source: 'sidecar' },
    ssc: { text: `a dog ${i % 11}`, by: i % 4 === 0 ? 'human' : 'model', at, review: i % 3 === 0 ? 'approved' : i % 3 === 1 ? 'rejected' : undefined, model: 'm' },
    dsc: { text: i % 6 === 0 ? LOOP : `The image shows ${'a long description '.repeat(1 + (i % 400))}.`, by: 'model', at, model: 'm', score: (i % 10) / 10 },
  } as ManifestRecord;
}

async function manifestFolder(text: string): Promise<string> {
  const folder = await tempDir('card-thread');
  await fs.writeFile(path.join(folder, 'recaption.jsonl'), text);
  return folder;
}

/** Both sinks fed every third record (as an export skips some), and their facts. */
async function bothWays(folder: string, change?: () => Promise<void>) {
  const pass = await openPass(new ManifestFile(folder));
  const thread = pass.cardFacts();
  const here = cardFactsHere();
  try {
    for await (const batch of pass.batches()) {
      batch.records.forEach((r, i) => {
        if (i % 3 === 2) return;
        thread.add(r, batch.lines![i]!);
        here.add(r, null);
      });
    }
    await change?.();
    return { thread: await thread.finish(), here: await here.finish() };
  } finally {
    pass.close();
  }
}

test("the card's facts from the lines on their own thread equal those from the records", async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => serializeRecord(record(i)));
  lines.splice(10, 0, '');
  lines.splice(20, 0, '{not json');
  const text = '\ufeff' + lines.join('\r\n') + '\r\n';
  const folder = await manifestFolder(text);
  try {
    const { thread, here } = await bothWays(folder);
    assert.ok(here.habit.sources.dsc.count > 1000, 'the captions were measured');
    assert.ok(here.habit.sources.dsc.loops.count > 0, 'looping captions were met');
    assert.deepEqual(thread, here);
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
});

test("a manifest changed while the card's thread read it is refused, not measured", async () => {
  const text = Array.from({ length: 500 }, (_, i) => serializeRecord(record(i))).join('\n') + '\n';
  const folder = await manifestFolder(text);
  try {
    const file = path.join(folder, 'recaption.jsonl');
    await assert.rejects(
      bothWays(folder, () => fs.writeFile(file, text.replace(/a dog/g, 'a cat'))),
      (err: unknown) => err instanceof ManifestChangedError,
    );
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
});

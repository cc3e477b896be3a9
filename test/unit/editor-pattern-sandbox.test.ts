// Issue 24 item 5: a user's regular expression in the editor's filter or find & replace runs in a worker
// with a deadline. A runaway one (`^(a|a)+$` on a long caption) is cut off with a message naming the image,
// while the host's event loop keeps turning; ordinary patterns give what JavaScript's RegExp gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CaptionEditModel } from '../../src/core/document/caption-edit-model.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { QueryIndex } from '../../src/core/dataset/query-index.js';
import { planReplace, QueryError } from '../../src/core/dataset/query.js';
import { PatternCutOffError } from '../../src/core/dataset/pattern-runner.js';
import { EMPTY_QUERY, type RecordQuery } from '../../src/shared/record-query.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { sourceSandbox } from '../support/pattern-worker.js';
import { countTurns } from '../support/event-loop-turns.js';

const RUNAWAY = '^(a|a)+$';
/** 2^60 ways to split this for RUNAWAY, none of which matches: years of backtracking. */
const HOSTILE = `${'a'.repeat(60)}!`;
const nameOf = (i: number) => `img-${String(i).padStart(3, '0')}.png`;

async function openModel(): Promise<{ dir: string; model: CaptionEditModel }> {
  const dir = await makeTempDir('recaption-patterns-');
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < 40; i++) {
    store.put({ ...emptyRecord(nameOf(i)), width: 8, height: 8, alt: i % 3 === 0 ? { text: `Alt ${i}: Straße über Äpfel`, source: 'sidecar' } : null });
    store.writeMachineCaption(nameOf(i), 'ssc', { text: i === 17 ? HOSTILE : `a cat number ${i}`, by: 'model', model: 'm' });
    store.writeMachineCaption(nameOf(i), 'dsc', { text: `A cat (number ${i}) sits on a ${i % 2 ? 'red' : 'blue'} mat.\nIt looks calm.`, by: 'model', model: 'm' });
  }
  await store.save();
  store.close();
  const model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
  await model.ready;
  return { dir, model };
}

/** Runs `work` while counting this thread's timer ticks: a blocked event loop ticks none. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; ms: number; outcome: T | Error }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const started = performance.now();
  let outcome: T | Error;
  try {
    outcome = await work();
  } catch (err) {
    outcome = err as Error;
  } finally {
    clearInterval(timer);
  }
  return { ticks, ms: performance.now() - started, outcome };
}

test('a runaway regular expression in the filter is cut off, naming the image, while the host keeps turning', async () => {
  const { dir, model } = await openModel();
  const sandbox = sourceSandbox(300);
  try {
    const index = new QueryIndex();
    const query: RecordQuery = { ...EMPTY_QUERY, text: RUNAWAY, regex: true, field: 'ssc' };
    const { ticks, ms, outcome } = await ticksDuring(() => index.prepare(model, query, sandbox));
    assert.ok(outcome instanceof PatternCutOffError, `cut off, not ${String(outcome)}`);
    assert.match(outcome.message, /^the pattern was cut off after \d+ ms on img-017\.png: it backtracks too much/);
    assert.ok(ms < 15_000, `refused within seconds (${ms.toFixed(0)} ms)`);
    assert.ok(ticks >= 5, `the host's event loop turned while the pattern ran (${ticks} ticks in ${ms.toFixed(0)} ms)`);
    // The list reads the refusal; asked again, the same filter fails at once instead of running again.
    assert.throws(() => index.total(model, model.generation, query), QueryError);
    const again = performance.now();
    await assert.rejects(index.prepare(model, query, sandbox), PatternCutOffError);
    assert.ok(performance.now() - again < 250);
    // The next pattern gets a fresh worker and works.
    await index.prepare(model, { ...query, text: '^a cat number 1\\d$' }, sandbox);
    assert.equal(index.total(model, model.generation, { ...query, text: '^a cat number 1\\d$' }), 9, 'img-010 to img-019 but img-017');
  } finally {
    sandbox.dispose();
    model.dispose();
    await removeDir(dir);
  }
});

test('a runaway find pattern is cut off and nothing is planned', async () => {
  const { dir, model } = await openModel();
  const sandbox = sourceSandbox(300);
  try {
    const { ticks, outcome } = await ticksDuring(() => planReplace(model.records(), { find: RUNAWAY, replace: 'b', regex: true, caseSensitive: false, fields: ['ssc', 'dsc'] }, sandbox));
    assert.ok(outcome instanceof PatternCutOffError, `cut off, not ${String(outcome)}`);
    assert.match(outcome.message, /cut off after \d+ ms on the SSC of img-017\.png/);
    assert.ok(ticks >= 5);
  } finally {
    sandbox.dispose();
    model.dispose();
    await removeDir(dir);
  }
});

test('ordinary patterns filter and replace in the worker as JavaScript does on this thread', async () => {
  const { dir, model } = await openModel();
  const sandbox = sourceSandbox();
  try {
    const queries: Partial<RecordQuery>[] = [
      { text: 'number (\\d)\\b', field: 'ssc' },
      { text: '(?<=on a )red', field: 'dsc' },
      { text: '^it LOOKS', field: 'dsc' },
      { text: 'calm\\.$', field: 'dsc', caseSensitive: true },
      { text: 'strasse|über', field: 'alt' },
      { text: 'img-00[1-3]\\.png' },
      { text: '(?<n>\\d)\\k<n>', field: 'any' },
      { text: '\\p{Lu}pfel' },
    ];
    for (const q of queries) {
      const query: RecordQuery = { ...EMPTY_QUERY, regex: true, ...q };
      const index = new QueryIndex();
      await index.prepare(model, query, sandbox);
      const inWorker = index.matchingNames(model, model.generation, query);
      const here = Array.from(model.matchPositions(query), (p) => model.names()[p]!);
      assert.deepEqual(inWorker, here, JSON.stringify(q));
    }
    // A filter with unsaved edits on top: the worker sees what the editor shows.
    model.edit('type', (e) => e.writeHumanCaption(nameOf(3), 'ssc', 'a zebra, typed'));
    const zebra: RecordQuery = { ...EMPTY_QUERY, regex: true, text: 'z[e]bra' };
    const index = new QueryIndex();
    await index.prepare(model, zebra, sandbox);
    assert.deepEqual(index.matchingNames(model, model.generation, zebra), [nameOf(3)]);

    const spec = { find: '\\bcat \\(number (\\d+)\\)', replace: "dog #$1 [$&] <$'>", regex: true, caseSensitive: false, fields: ['dsc' as const] };
    const records = [...model.records()].slice(0, 12);
    assert.deepEqual(await planReplace(records, spec, sandbox), await planReplace(records, spec));
    const first = (await planReplace(records, spec, sandbox))[0]!;
    assert.equal(first.after, first.before.replace(new RegExp(spec.find, 'giu'), spec.replace));
    await assert.rejects(planReplace(records, { ...spec, find: '(' }, sandbox), /invalid regular expression/);
  } finally {
    sandbox.dispose();
    model.dispose();
    await removeDir(dir);
  }
});

test("a long search lets the host's event loop turn between its batches, however fast the worker answers", async () => {
  const lines = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ ...emptyRecord(`shard/img-${String(i).padStart(6, '0')}.png`), ssc: { text: `a photo of object ${i % 97} on a table`, by: 'model', review: null } }));
  const store = ManifestStore.fromText('/nowhere', lines.join('\n'));
  const sandbox = sourceSandbox();
  try {
    await sandbox.test({ op: 'test', pattern: { source: 'warm', flags: 'u', literal: false }, groups: [['up']] });
    const turns = countTurns();
    const rows = await store.searchPositions({ ...EMPTY_QUERY, text: 'object 4[26] on', regex: true }, sandbox);
    turns.stop();
    assert.equal(rows.length, Array.from({ length: 40_000 }, (_, i) => i % 97).filter((k) => k === 42 || k === 46).length);
    // About 10 batches of 4,096 records: the loop turns between each, not once after the whole search.
    assert.ok(turns.count >= 8, `the event loop turned ${turns.count} times during the search`);
  } finally {
    sandbox.dispose();
    store.close();
  }
});

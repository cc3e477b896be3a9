// The habit report with its texts measured on their own thread is the one-thread report, and the caller's
// event loop gets turns while it is made (Show Caption Report runs it on the extension host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHabitReport, habitReportOf } from '../../src/core/analysis/index.js';
import { emptyRecord, type ManifestRecord } from '../../src/shared/record.js';
import { countTurns } from '../support/event-loop-turns.js';

function record(i: number): ManifestRecord {
  const at = '2026-12-01T00:00:00.000Z';
  return {
    ...emptyRecord(`img/${String(i).padStart(5, '0')}.jpg`),
    ...(i % 3 === 0 ? { score_model: 'clip' } : {}),
    alt: i % 5 === 0 ? null : { text: `Stock photo ${i % 13}.`, source: 'sidecar' },
    ssc: { text: `a dog ${i % 11}`, by: 'model', at, review: i % 3 === 0 ? 'approved' : null, model: 'm', ...(i % 2 ? { score: (i % 10) / 10 } : {}) },
    dsc: { text: i % 6 === 0 ? 'a kite over a hill a kite over a hill a kite over a hill' : `The image shows ${'a long description '.repeat(1 + (i % 30))}.`, by: 'model', at, review: null, model: 'm' },
  };
}

test('the threaded habit report is the one-thread report, and the caller gets turns meanwhile', async () => {
  const records = Array.from({ length: 20_000 }, (_, i) => record(i));
  const turns = countTurns();
  // The most records read without a turn between them.
  let longest = 0;
  let run = 0;
  let lastTurn = -1;
  function* watched(): Generator<ManifestRecord> {
    for (const r of records) {
      run = turns.count === lastTurn ? run + 1 : 1;
      lastTurn = turns.count;
      longest = Math.max(longest, run);
      yield r;
    }
  }
  const threaded = await habitReportOf(watched());
  turns.stop();
  assert.ok(longest <= 1024, `the event loop got a turn every few hundred records (at most ${longest} without one)`);
  assert.deepEqual(threaded, computeHabitReport(records));
});

test('an aborted report ends its thread and rejects with the reason', async () => {
  const controller = new AbortController();
  controller.abort(new Error('stopped'));
  await assert.rejects(habitReportOf(Array.from({ length: 5000 }, (_, i) => record(i)), controller.signal), /stopped/);
});

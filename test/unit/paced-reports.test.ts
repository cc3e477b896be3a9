// Progress reports at most one per interval, the final one always.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pacedReports } from '../../src/extension/paced-reports.js';

test('a report is due once per interval; the final one always is', async () => {
  const due = pacedReports(40);
  assert.equal(due(), true, 'the first');
  assert.equal(due(), false, 'one right after');
  assert.equal(due(true), true, 'the final one');
  assert.equal(due(), false, 'the interval starts again from the final one');
  await sleep(60);
  assert.equal(due(), true, 'one an interval later');
});

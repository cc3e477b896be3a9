// A thread that answers once: its first message, or an error naming the thread when it fails or exits
// without answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { firstMessage } from '../../src/core/util/first-message.js';

const thread = (code: string) => new Worker(`const { parentPort } = require('node:worker_threads'); ${code}`, { eval: true });

test('the first message is the answer; a thread that exits or fails first rejects, named', async () => {
  assert.deepEqual(await firstMessage(thread(`parentPort.postMessage({ sha256: 'ab' }); parentPort.postMessage({ sha256: 'later' });`), 'the test thread'), { sha256: 'ab' });
  await assert.rejects(firstMessage(thread(''), 'the test thread'), /the test thread stopped \(exit code 0\) before it answered/);
  await assert.rejects(firstMessage(thread(`throw new Error('broken')`), 'the test thread'), /broken/);
});

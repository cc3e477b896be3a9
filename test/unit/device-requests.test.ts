// A device setting read from the user's settings: a known request as it is, anything else (a typo, a value
// of another type, none) as 'auto', so a bad setting never reaches the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_REQUESTS, deviceRequestOf } from '../../src/core/captioner/local/device-requests.js';

test('a known device request is taken as it is; anything else is auto', () => {
  for (const request of DEVICE_REQUESTS) assert.equal(deviceRequestOf(request), request);
  for (const other of ['gpu', 'CUDA', ' cpu', '', undefined, null, 0, ['cuda'], { device: 'cuda' }]) assert.equal(deviceRequestOf(other), 'auto', String(other));
});

// Requests from the webview are untrusted: every method's params are checked at run time before a
// handler sees them, and anything wrong gets an error reply (never silence, never a hang).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequest, EMPTY_QUERY, MAX_CAPTION_CHARS, REQUEST_METHODS, REQUEST_PARAM_CHECKS } from '../../src/shared/protocol.js';

const spec = { query: EMPTY_QUERY, ranges: [], find: 'a', replace: 'b', regex: false, caseSensitive: false, fields: ['ssc'] };

test('unknown methods and params that are not objects are refused with a reason', () => {
  assert.match(checkRequest({ method: 'deleteEverything', params: {} })!, /unknown request "deleteEverything"/);
  assert.match(checkRequest({ method: 'page', params: 'x' })!, /params must be an object/);
  assert.match(checkRequest({ method: 'page', params: [] })!, /params must be an object/);
  assert.match(checkRequest({ method: 'toString', params: {} })!, /unknown request/);
});

test('findNext: a direction of 0 (which looped forever) and other bad positions are refused', () => {
  const ok = { query: EMPTY_QUERY, from: 3, direction: 1, unreviewedOnly: true };
  assert.equal(checkRequest({ method: 'findNext', params: ok }), null);
  assert.match(checkRequest({ method: 'findNext', params: { ...ok, direction: 0 } })!, /direction must be 1 or -1/);
  assert.match(checkRequest({ method: 'findNext', params: { ...ok, from: 1.5 } })!, /from must be a whole number/);
  assert.match(checkRequest({ method: 'findNext', params: { ...ok, query: { ...EMPTY_QUERY, review: 'maybe' } } })!, /unknown review filter/);
});

test('page bounds, thumbnails, edits and bulk changes are checked; alt-text is never a bulk field', () => {
  assert.equal(checkRequest({ method: 'page', params: { query: EMPTY_QUERY, offset: 0, limit: 100 } }), null);
  assert.match(checkRequest({ method: 'page', params: { query: EMPTY_QUERY, offset: -1, limit: 100 } })!, /offset and limit/);
  assert.match(checkRequest({ method: 'page', params: { query: EMPTY_QUERY, offset: 0, limit: 1e9 } })!, /limit 1 to/);
  assert.match(checkRequest({ method: 'thumbnails', params: { fileNames: [1, 2] } })!, /fileNames/);
  assert.equal(checkRequest({ method: 'applyReplace', params: { ...spec } }), null);
  assert.match(checkRequest({ method: 'applyReplace', params: { ...spec, fields: ['alt'] } })!, /fields may only be ssc and dsc/);
  assert.equal(checkRequest({ method: 'previewReplace', params: { ...spec, ranges: [[0, 3], [7, 9]] } }), null);
  assert.match(checkRequest({ method: 'applyReplace', params: { ...spec, ranges: [[5, 2]] } })!, /each range/);
  assert.match(checkRequest({ method: 'applyNormalize', params: { query: EMPTY_QUERY, stripOpening: true, cutClosing: false, trailingPeriod: null, fields: ['dsc'], includeProtected: false } })!, /ranges must be a list/);
  assert.match(checkRequest({ method: 'previewNormalize', params: { query: EMPTY_QUERY, stripOpening: true, cutClosing: false, trailingPeriod: 'sometimes', fields: ['dsc'], includeProtected: false } })!, /trailingPeriod/);
  assert.match(checkRequest({ method: 'edit', params: { op: 'text', fileName: 'a.png', kind: 'ssc', text: 'x'.repeat(MAX_CAPTION_CHARS + 1) } })!, /at most/);
  assert.match(checkRequest({ method: 'edit', params: { op: 'text', fileName: 'a.png', kind: 'alt', text: 'x' } })!, /unknown caption kind/);
  assert.equal(checkRequest({ method: 'edit', params: { op: 'review', fileName: 'a.png', kind: 'dsc', review: null } }), null);
});

test('the method list is the checks\' keys: a method cannot exist without its check', () => {
  assert.deepEqual([...REQUEST_METHODS].sort(), Object.keys(REQUEST_PARAM_CHECKS).sort());
  assert.ok(REQUEST_METHODS.length >= 9);
});

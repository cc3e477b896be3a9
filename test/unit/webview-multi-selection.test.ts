// The editor's multi-selection (src/webview/state/multi-selection.ts) and the range set under it, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultiSelection } from '../../src/webview/state/multi-selection.js';
import { checkRanges, RangeSet } from '../../src/shared/range-set.js';

const none = { range: false, toggle: false };
const shift = { range: true, toggle: false };
const ctrl = { range: false, toggle: true };

test('click, Shift+click, Ctrl+click and Shift+arrows shape the selection as a file manager does', () => {
  const s = new MultiSelection();
  s.click(3, none);
  assert.equal(s.isMulti, false);
  s.click(7, shift);
  assert.deepEqual(s.ranges(), [[3, 8]]);
  s.click(5, shift);
  assert.deepEqual(s.ranges(), [[3, 6]], 'a second Shift+click re-draws the range from the same anchor');
  s.click(10, ctrl);
  assert.deepEqual(s.ranges(), [[3, 6], [10, 11]]);
  s.click(4, ctrl);
  assert.deepEqual(s.ranges(), [[3, 4], [5, 6], [10, 11]], 'Ctrl+click removes one from the middle');
  s.click(12, shift);
  assert.deepEqual(s.ranges(), [[3, 13]], 'Shift after Ctrl+click extends from the Ctrl-clicked anchor over what was selected');
  s.moveTo(20);
  assert.deepEqual(s.ranges(), [[20, 21]]);
  s.extendTo(18);
  assert.deepEqual(s.ranges(), [[18, 21]]);
  s.extendTo(22);
  assert.deepEqual(s.ranges(), [[20, 23]], 'Shift+arrow past the anchor flips the range around it');
  assert.equal(s.count, 3);
});

test('the first Ctrl+click keeps the image shown until then; Ctrl+A takes the filter in one range', () => {
  const s = new MultiSelection();
  s.moveTo(2);
  s.click(9, ctrl);
  assert.deepEqual(s.ranges(), [[2, 3], [9, 10]]);
  s.selectAll(1_000_000);
  assert.deepEqual(s.ranges(), [[0, 1_000_000]]);
  assert.equal(s.count, 1_000_000);
  assert.equal(s.has(999_999), true);
  s.collapse(5);
  assert.equal(s.isMulti, false);
});

test('a range set merges touching ranges, splits on removal, and ranges from a message are checked', () => {
  const r = RangeSet.of([[0, 2], [4, 6], [2, 4]]);
  assert.deepEqual(r.ranges(), [[0, 6]]);
  r.remove(1, 3);
  assert.deepEqual(r.ranges(), [[0, 1], [3, 6]]);
  assert.equal(r.size, 4);
  assert.equal(checkRanges([[0, 5]]), null);
  assert.match(checkRanges([[5, 5]])!, /start < end/);
  assert.match(checkRanges([[-1, 2]])!, /start < end/);
  assert.match(checkRanges('0-5')!, /list/);
  assert.match(checkRanges(Array.from({ length: 10_001 }, (_, i) => [i * 2, i * 2 + 1]))!, /at most/);
});

// The list's paged scroll space (src/webview/components/paged-scroll.ts): every row of a million is reachable by
// scrolling, dragging or jumping, small scrolls move by exactly their pixels, and the element's height
// stays under the browser's cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SCROLL_HEIGHT, PagedScrollSpace } from '../../src/webview/components/paged-scroll.js';

const ROW = 56;
const VIEW = 600;

test('a list that fits maps one to one', () => {
  const space = new PagedScrollSpace();
  assert.equal(space.layout(1000 * ROW), 1000 * ROW);
  assert.deepEqual(space.onScroll(5000, VIEW), { virtualTop: 5000, scrollTop: 5000 });
  assert.deepEqual(space.scrollToVirtual(900 * ROW, VIEW), { virtualTop: 900 * ROW, scrollTop: 900 * ROW });
  assert.deepEqual(space.scrollToVirtual(999 * ROW, VIEW), { virtualTop: 1000 * ROW - VIEW, scrollTop: 1000 * ROW - VIEW }, "clamped at the end");
});

test('a million rows: the element stays under the cap; dragging to the middle or the end shows those rows', () => {
  const rows = 1_000_000;
  const space = new PagedScrollSpace();
  const height = space.layout(rows * ROW);
  assert.ok(height <= MAX_SCROLL_HEIGHT && height < 33_554_428);
  const realMax = height - VIEW;
  const end = space.onScroll(realMax, VIEW);
  assert.equal(end.scrollTop, realMax);
  assert.equal(Math.floor((end.virtualTop + VIEW) / ROW), rows - 1 + 1, 'the last row is at the bottom of the view');
  const middle = space.onScroll(Math.round(realMax / 2), VIEW);
  const row = Math.floor(middle.virtualTop / ROW);
  assert.ok(Math.abs(row - rows / 2) < 20, `the middle of the scrollbar shows row ${row}`);
  const top = space.onScroll(0, VIEW);
  assert.deepEqual(top, { virtualTop: 0, scrollTop: 0 });
});

test('a million rows: wheel ticks move exactly their pixels all the way down and back, never leaving the element', () => {
  const rows = 1_000_000;
  const space = new PagedScrollSpace(2_000_000); // a low cap, so the walk crosses every page quickly
  const height = space.layout(rows * ROW);
  let scrollTop = 0;
  let virtual = 0;
  const tick = 397; // under a view's height: a wheel tick
  while (virtual < rows * ROW - VIEW) {
    const next = space.onScroll(scrollTop + tick, VIEW);
    const expected = Math.min(virtual + tick, rows * ROW - VIEW);
    assert.equal(next.virtualTop, expected, `at virtual ${virtual}`);
    assert.ok(next.scrollTop >= 0 && next.scrollTop <= height - VIEW, `scrollTop ${next.scrollTop} out of the element`);
    scrollTop = next.scrollTop;
    virtual = next.virtualTop;
  }
  while (virtual > 0) {
    const next = space.onScroll(scrollTop - tick, VIEW);
    assert.equal(next.virtualTop, Math.max(0, virtual - tick));
    assert.ok(next.scrollTop >= 0 && next.scrollTop <= height - VIEW);
    scrollTop = next.scrollTop;
    virtual = next.virtualTop;
  }
});

test('revealing any row (keyboard, find next, End) puts it in view', () => {
  const rows = 1_000_000;
  const space = new PagedScrollSpace();
  const height = space.layout(rows * ROW);
  for (const row of [0, 1, 599_000, 600_000, 777_777, rows - 2, rows - 1]) {
    const at = space.scrollToVirtual(row * ROW, VIEW);
    assert.ok(at.scrollTop >= 0 && at.scrollTop <= height - VIEW, `row ${row}: scrollTop ${at.scrollTop}`);
    const drawnAt = row * ROW - space.offset;
    assert.ok(drawnAt >= at.scrollTop && drawnAt + ROW <= at.scrollTop + VIEW, `row ${row} is drawn in view`);
  }
});

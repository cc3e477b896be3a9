// The editor session's edits without VS Code, over real files: bulk actions over a multi-selection within
// a filter (review, find & replace, normalize), each one undoable step; edits the webview sends; what the
// webview is told after an edit; and undo after a teammate's change on disk was merged in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelectionError } from '../../src/core/dataset/query-index.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';
import { nameOf, ODD, UNCAPTIONED, withSession, writeOnDisk } from './editor-session-fixture.js';

const odd = (k: number) => nameOf(2 * k + 1);

test('a bulk review of a selection within a filter reviews those images only, as one undoable edit', async () => {
  await withSession(async ({ model, session, stack, lines }) => {
    // Overlapping and repeated ranges count once: odd images 0..3 and 100.
    const result = await session.bulkReview({ query: ODD, ranges: [[0, 2], [1, 4], [100, 101]], kinds: ['dsc'], review: 'approved' });
    assert.deepEqual(result, { changed: 5, kept: 0 });
    const approved = [odd(0), odd(1), odd(2), odd(3), odd(100)];
    assert.deepEqual(approved.map((n) => model.get(n)!.dsc!.review), Array(5).fill('approved'));
    assert.equal(model.get(odd(4))!.dsc!.review, null, 'outside the selection');
    assert.equal(model.get(odd(0))!.ssc!.review, null, 'only the kinds asked for');
    assert.equal(stack.length, 1);
    assert.equal(stack[0]!.label, 'Approve the DSCs of 5 images');
    assert.match(lines.join('\n'), /bulk review \(approved\) of 5 records/);

    // Rejecting leaves what a person already decided alone.
    const reject = await session.bulkReview({ query: EMPTY_QUERY, ranges: [[0, 4]], kinds: ['ssc', 'dsc'], review: 'rejected' });
    assert.deepEqual(reject, { changed: 4, kept: 4 }, 'img-000 (approved on disk) and the DSCs of img-001 and img-003 (approved above) are kept');

    stack.pop()!.undo();
    stack.pop()!.undo();
    assert.deepEqual(approved.map((n) => model.get(n)!.dsc!.review), Array(5).fill(null));
    assert.equal(model.hasUnsavedEdits, false);

    await assert.rejects(session.bulkReview({ query: ODD, ranges: [[0, 151]], kinds: ['ssc'], review: 'approved' }), SelectionError, 'a selection past the filter is refused');
  });
});

test('find & replace and normalize over a selection within a filter change those captions only, each one undoable edit', async () => {
  await withSession(async ({ model, session, stack }) => {
    const replaced = await session.applyReplace({ query: ODD, ranges: [[0, 2]], find: 'cat', replace: 'dog', regex: false, caseSensitive: true, fields: ['ssc'] });
    assert.deepEqual(replaced, { changed: 2 });
    assert.deepEqual([0, 1, 2].map((k) => model.get(odd(k))!.ssc!.text), ['an odd dog 1', 'an odd dog 3', 'an odd cat 5']);
    assert.equal(model.get(odd(0))!.ssc!.by, 'human', 'a replace is the user\'s edit');
    assert.equal(model.get(nameOf(0))!.ssc!.text, 'an even cat 0', 'outside the filter');

    const normalized = await session.applyNormalize({ query: ODD, ranges: [[0, 1]], stripOpening: false, cutClosing: false, trailingPeriod: 'add', fields: ['dsc'], includeProtected: false });
    assert.deepEqual(normalized, { changed: 1 });
    assert.equal(model.get(odd(0))!.dsc!.text, 'machine description 1.');
    assert.equal(model.get(odd(1))!.dsc!.text, 'machine description 3');

    assert.equal(stack.length, 2);
    stack.pop()!.undo();
    assert.equal(model.get(odd(0))!.dsc!.text, 'machine description 1');
    stack.pop()!.undo();
    assert.equal(model.get(odd(0))!.ssc!.text, 'an odd cat 1');
    assert.equal(model.hasUnsavedEdits, false);
  });
});

test('an edit from the webview: applied as the user\'s, refused with a reason for an unknown image or a missing caption, announced once', async () => {
  await withSession(async ({ model, session, viewer, stack }) => {
    const announced: (readonly string[])[] = [];
    model.onDidChangeRecords((names) => announced.push(names));
    assert.deepEqual(await session.edit({ op: 'text', fileName: nameOf(5), kind: 'dsc', text: 'a person wrote this' }), { applied: true });
    assert.deepEqual(announced, [[nameOf(5)]]);
    assert.equal(stack[0]!.label, 'Edit DSC');

    const views = await session.changedViews(announced[0]!, viewer);
    assert.equal(views!.records[0]!.dsc!.text, 'a person wrote this');
    assert.equal(views!.records[0]!.index, 5);
    assert.equal(views!.counts.edited, 1);

    assert.deepEqual(await session.edit({ op: 'text', fileName: 'nope.png', kind: 'ssc', text: 'x' }), { applied: false, reason: 'no record for "nope.png"' });
    assert.deepEqual(await session.edit({ op: 'review', fileName: nameOf(UNCAPTIONED), kind: 'ssc', review: 'approved' }), { applied: false, reason: `"${nameOf(UNCAPTIONED)}" has no SSC to review` });
    assert.equal(stack.length, 1, 'refused edits are no steps');
  });
});

test('undo after a disk merge: the teammate\'s changes stay, and an undone edit shows what the disk holds now', async () => {
  await withSession(async ({ dir, model, session, viewer, stack }) => {
    await session.edit({ op: 'text', fileName: nameOf(2), kind: 'dsc', text: 'my edit' });
    await session.bulkReview({ query: ODD, ranges: [[0, 3]], kinds: ['ssc'], review: 'approved' });
    // A teammate's tool re-captions img-002's DSC (a machine's change) and a person edits img-004.
    await writeOnDisk(dir, (s) => {
      s.writeMachineCaption(nameOf(2), 'dsc', { text: 'their new machine text', by: 'model', model: 'm2' });
      s.writeHumanCaption(nameOf(4), 'ssc', 'the teammate typed this');
    });
    assert.deepEqual(await model.mergeFromDisk(), [], 'a machine\'s change on disk does not conflict with a person\'s edit');
    assert.equal(model.get(nameOf(2))!.dsc!.text, 'my edit', 'the unsaved edit stays on top');
    assert.equal(model.get(odd(1))!.ssc!.review, 'approved', 'the bulk review survives the merge');

    stack.pop()!.undo();
    assert.deepEqual([0, 1, 2].map((k) => model.get(odd(k))!.ssc!.review), [null, null, null]);
    stack.pop()!.undo();
    assert.equal(model.get(nameOf(2))!.dsc!.text, 'their new machine text', 'the disk shows through the undone edit');
    assert.equal(model.get(nameOf(4))!.ssc!.text, 'the teammate typed this');
    assert.equal(model.hasUnsavedEdits, false);

    // Pages and find-next read the merged records.
    const next = await session.findNext({ query: { ...EMPTY_QUERY, author: 'human' }, from: -1, direction: 1, unreviewedOnly: false });
    assert.deepEqual(next, { position: 0 });
    const page = await session.page({ query: { ...EMPTY_QUERY, author: 'human' }, offset: 0, limit: 5 }, viewer);
    assert.deepEqual(page.records.map((r) => r.fileName), [nameOf(4)]);
  });
});

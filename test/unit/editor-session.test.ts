// The editor session (src/core/document/editor-session.ts) without VS Code, over real files: what an open
// editor asks of its dataset — the first screen while the manifest loads, pages of what a filter shows,
// thumbnails, find-next, previews of find & replace and the normalizers, and the selection commands act on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MAX_PREVIEW } from '../../src/core/document/editor-session.js';
import { EMPTY_QUERY } from '../../src/shared/record-query.js';
import { writeImage } from '../support/temp-dataset.js';
import { nameOf, ODD, RECORDS, uriOf, withSession } from './editor-session-fixture.js';

const odd = (k: number) => nameOf(2 * k + 1);

test('the first screen comes from the head of the file, before the full load starts', async () => {
  await withSession(
    async ({ model, session, viewer }) => {
      const first = await session.page({ query: EMPTY_QUERY, offset: 0, limit: 20 }, viewer);
      assert.equal(model.loaded, false, 'the head answered: nothing was loaded');
      assert.equal(first.total, RECORDS);
      assert.deepEqual(first.records.map((r) => r.index), [...Array(20).keys()]);
      assert.equal(first.records[3]!.ssc!.text, 'an odd cat 3');
      const summary = session.summary();
      assert.equal(summary.loading, true);
      assert.equal(summary.manifestName, 'recaption.jsonl');
      assert.deepEqual(summary.problems, []);
    },
    { load: false },
  );
});

test('pages of a filter: totals, manifest positions, URIs, the end of the list, and a bad pattern as an error', async () => {
  await withSession(async ({ dir, session, viewer }) => {
    const page = await session.page({ query: ODD, offset: 10, limit: 5 }, viewer);
    assert.equal(page.total, RECORDS / 2);
    assert.equal(page.error, null);
    assert.deepEqual(page.records.map((r) => r.fileName), [10, 11, 12, 13, 14].map(odd));
    assert.deepEqual(page.records.map((r) => r.index), [21, 23, 25, 27, 29]);
    assert.equal(page.records[0]!.image, uriOf(path.join(dir, odd(10))));
    assert.equal(page.records[0]!.thumb, null, 'no thumbnail made yet');

    const last = await session.page({ query: ODD, offset: 148, limit: 5 }, viewer);
    assert.deepEqual(last.records.map((r) => r.fileName), [odd(148), odd(149)]);

    const bad = await session.page({ query: { ...EMPTY_QUERY, text: '(', regex: true }, offset: 0, limit: 5 }, viewer);
    assert.equal(bad.total, 0);
    assert.deepEqual(bad.records, []);
    assert.match(bad.error ?? '', /./, 'the pattern error is in the result, not thrown');
    assert.equal(session.summary().loading, false);
  });
});

test('thumbnails are made once asked for, and pages show them from then on', async () => {
  await withSession(async ({ dir, session, viewer }) => {
    await writeImage(dir, nameOf(1), { width: 40, height: 30 });
    const thumbs = await session.thumbnails({ fileNames: [nameOf(1), 'not-in-the-manifest.png'] }, viewer);
    assert.match(thumbs[nameOf(1)] ?? '', /^webview:.*\.webp$/);
    assert.equal(thumbs['not-in-the-manifest.png'], null);
    const page = await session.page({ query: ODD, offset: 0, limit: 1 }, viewer);
    assert.equal(page.records[0]!.thumb, thumbs[nameOf(1)]);
  });
});

test('find-next walks what the filter shows, either way, optionally to the next unreviewed image, unsaved reviews included', async () => {
  await withSession(async ({ session }) => {
    const next = (query = EMPTY_QUERY, from: number, direction: 1 | -1, unreviewedOnly: boolean) => session.findNext({ query, from, direction, unreviewedOnly });
    assert.deepEqual(await next(EMPTY_QUERY, -1, 1, false), { position: 0 });
    assert.deepEqual(await next(EMPTY_QUERY, -1, 1, true), { position: 1 }, 'img-000 is approved');
    assert.deepEqual(await next(EMPTY_QUERY, 9, 1, true), { position: 11 }, 'img-010 is approved');
    assert.deepEqual(await next(EMPTY_QUERY, 11, -1, true), { position: 9 });
    assert.deepEqual(await next(EMPTY_QUERY, RECORDS - 1, 1, false), { position: null });
    assert.deepEqual(await next(ODD, 3, 1, false), { position: 4 }, 'positions are within the filter');

    assert.deepEqual(await session.edit({ op: 'review', fileName: nameOf(11), kind: 'ssc', review: 'approved' }), { applied: true });
    assert.deepEqual(await session.edit({ op: 'review', fileName: nameOf(11), kind: 'dsc', review: 'approved' }), { applied: true });
    assert.deepEqual(await next(EMPTY_QUERY, 9, 1, true), { position: 12 }, 'an unsaved review counts');
  });
});

test('previews list what find & replace and the normalizers would change, over the filter or a selection in it, and change nothing', async () => {
  await withSession(async ({ model, session }) => {
    const replace = { query: EMPTY_QUERY, ranges: [], find: 'cat', replace: 'dog', regex: false, caseSensitive: true, fields: ['ssc' as const] };
    const all = await session.previewReplace(replace);
    assert.equal(all.total, RECORDS - 1, 'every SSC');
    assert.equal(all.changes.length, MAX_PREVIEW, 'the preview lists the first changes only');
    assert.equal(all.error, null);

    const selected = await session.previewReplace({ ...replace, query: ODD, ranges: [[0, 2], [5, 6]] });
    assert.deepEqual(selected.changes.map((c) => [c.fileName, c.before, c.after]), [
      [odd(0), 'an odd cat 1', 'an odd dog 1'],
      [odd(1), 'an odd cat 3', 'an odd dog 3'],
      [odd(5), 'an odd cat 11', 'an odd dog 11'],
    ]);

    const bad = await session.previewReplace({ ...replace, find: '(', regex: true });
    assert.equal(bad.total, 0);
    assert.match(bad.error ?? '', /./);

    const normalize = { query: ODD, ranges: [[1, 3]] as [number, number][], stripOpening: false, cutClosing: false, trailingPeriod: 'add' as const, fields: ['dsc' as const], includeProtected: false };
    const periods = await session.previewNormalize(normalize);
    assert.deepEqual(periods.changes.map((c) => [c.fileName, c.after, c.protected]), [
      [odd(1), 'machine description 3.', false],
      [odd(2), 'machine description 5.', false],
    ]);
    assert.equal(model.hasUnsavedEdits, false, 'a preview changes nothing');
  });
});

test('the selection commands act on: the current image, what the filter shows, and the multi-selection; unknown parts are null', async () => {
  await withSession(async (fixture) => {
    const { session } = fixture;
    assert.equal(session.selection(), undefined, 'nothing reported yet');
    session.select({ fileName: nameOf(3), query: EMPTY_QUERY, ranges: [] });
    assert.deepEqual(session.selection(), { current: nameOf(3), filtered: null, selected: null });

    session.select({ fileName: nameOf(3), query: ODD, ranges: [[1, 3]] });
    const selection = session.selection()!;
    assert.equal(selection.current, nameOf(3));
    assert.equal(selection.filtered?.length, RECORDS / 2);
    assert.deepEqual(selection.selected, [odd(1), odd(2)]);

    const pattern = { ...EMPTY_QUERY, text: 'odd cat 1\\d$', regex: true };
    session.select({ fileName: null, query: pattern, ranges: [[0, 2]] });
    assert.deepEqual(session.selection(), { current: null, filtered: null, selected: null }, 'a pattern not searched yet is unknown');
    const { viewer } = fixture;
    await session.page({ query: pattern, offset: 0, limit: 1 }, viewer);
    assert.deepEqual(session.selection()!.selected, [nameOf(11), nameOf(13)]);

    session.select({ fileName: null, query: ODD, ranges: [[140, 160]] });
    assert.equal(session.selection()!.selected, null, 'a stale selection is unknown, not guessed');
  });
});

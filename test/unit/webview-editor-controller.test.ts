// The editor's state controller (src/webview/state/editor-controller.ts) without a browser: start-up from the
// saved state, next unreviewed on loaded pages and through the host, the filter, the multi-selection and
// bulk review, host events, and the commands. The host is an in-memory one (webview-editor-host.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTER_DELAY_MS } from '../../src/webview/state/editor-controller.js';
import { EMPTY_QUERY, record, settle, startEditor } from './webview-editor-host.js';

const records = (n: number, reviewed: (i: number) => boolean = () => false) => Array.from({ length: n }, (_, i) => record(i, reviewed(i)));

test('start-up restores the saved filter (new fields take their defaults) and shows the saved image once its page is here', async () => {
  const { host, element, editor, revealed } = await startEditor(records(20), { selectedFile: 'img-7.png', query: { text: 'short 1' } });
  assert.deepEqual(editor.query, { ...EMPTY_QUERY, text: 'short 1' });
  assert.equal(editor.pages.total, 11, 'short 1 and short 10 to 19');
  assert.equal(editor.selected, 0);
  assert.equal(editor.info?.folderName, 'photos');
  assert.ok(element.renders > 0);
  // img-7 is not in the filter's result: nothing to wait for after a render, the first image stays.
  editor.hostUpdated();
  assert.equal(editor.current?.fileName, 'img-1.png');
  assert.deepEqual(revealed.at(-1), { position: 0, focus: false });
  const selection = host.sent.filter((e) => e.type === 'selection').at(-1);
  assert.deepEqual(selection, { type: 'selection', fileName: 'img-1.png', query: editor.query, ranges: [] });
});

test('the image shown before a reload is selected after the render that has its page', async () => {
  const { editor } = await startEditor(records(20), { selectedFile: 'img-7.png', query: {} });
  assert.equal(editor.selected, 0);
  editor.hostUpdated();
  assert.equal(editor.selected, 7);
  editor.select(3);
  editor.hostUpdated();
  assert.equal(editor.selected, 3, 'only once');
});

test('next unreviewed searches the loaded pages first, then asks the host and loads the page it names', async () => {
  // Everything reviewed except 150 (on a loaded page) and 700 (far away).
  const { host, editor } = await startEditor(records(1000, (i) => i !== 150 && i !== 700));
  await editor.nextUnreviewed(1);
  assert.equal(editor.selected, 150);
  assert.equal(host.asked('findNext').length, 0, 'found locally');
  await settle();
  await editor.nextUnreviewed(1);
  assert.equal(editor.selected, 700);
  assert.deepEqual(host.asked('findNext'), [{ query: editor.query, from: 150, direction: 1, unreviewedOnly: true }]);
  await editor.nextUnreviewed(1);
  assert.equal(editor.notice?.message, 'No more unreviewed images.', 'the host found none after 700');
  editor.select(999);
  await settle();
  await editor.nextUnreviewed(1);
  assert.equal(editor.notice?.message, 'No unreviewed image after this one.', 'the last page is loaded: no need to ask');
  assert.equal(host.asked('findNext').length, 2);
});

test('a filter is fetched once typing pauses, starts a new selection, and says when the host refuses it', async () => {
  const { host, editor } = await startEditor(records(30));
  editor.select(4);
  editor.selection.click(6, { range: true, toggle: false });
  assert.ok(editor.selection.isMulti);
  const pagesBefore = host.asked('page').length;
  editor.setQuery({ text: 'short' });
  editor.setQuery({ text: 'short 2' });
  assert.equal(editor.query.text, 'short 2', 'the filter bar shows what was typed at once');
  await settle(FILTER_DELAY_MS + 50);
  assert.equal(host.asked('page').length - pagesBefore, 1, 'one fetch for two keystrokes');
  assert.equal(editor.pages.total, 11);
  assert.equal(editor.selected, 0);
  assert.equal(editor.selection.isMulti, false);
  assert.equal(editor.notice, null);
  editor.setQuery({ text: '(' });
  await settle(FILTER_DELAY_MS + 50);
  assert.deepEqual(editor.notice, { level: 'error', message: 'bad regex' });
});

test('a bulk review sends the selection within the filter, as one request, and reports it', async () => {
  const { host, editor } = await startEditor(records(30));
  editor.click({ position: 2, range: false, toggle: false });
  editor.click({ position: 4, range: true, toggle: false });
  assert.deepEqual(editor.bulkRanges(), [[2, 5]]);
  assert.deepEqual(host.sent.filter((e) => e.type === 'selection').at(-1), { type: 'selection', fileName: 'img-4.png', query: editor.query, ranges: [[2, 5]] });
  editor.type('dsc', 'typed before the bulk action');
  editor.bulkReview(['ssc', 'dsc'], 'approved');
  assert.equal(host.asked('edit').length, 1, 'what was typed is sent first');
  await settle();
  assert.deepEqual(host.asked('bulkReview'), [{ query: editor.query, ranges: [[2, 5]], kinds: ['ssc', 'dsc'], review: 'approved' }]);
  assert.match(editor.notice!.message, /^Approved 6 captions of 3 selected images as one edit/);
  editor.collapseSelection();
  assert.deepEqual(editor.bulkRanges(), []);
});

test('a reset from the host keeps the multi-selection and the image shown; changed records replace their copies', async () => {
  const { host, editor } = await startEditor(records(30));
  editor.selectAll();
  editor.select(9, false, 'keep');
  host.records = host.records.map((r) => (r.fileName === 'img-9.png' ? { ...r, ssc: { ...r.ssc!, text: 'reloaded' } } : r));
  host.push({ type: 'reset', total: 30, counts: editor.counts!, problems: [{ line: 3, message: 'not JSON' }] });
  await settle();
  assert.equal(editor.selected, 9);
  assert.equal(editor.selection.count, 30);
  assert.equal(editor.current?.ssc?.text, 'reloaded');
  assert.match(editor.notice!.message, /^1 manifest line\(s\) could not be read .*line 3: not JSON/);
  const changed = { ...record(9), dsc: null };
  host.push({ type: 'recordsChanged', records: [changed], counts: editor.counts! });
  assert.equal(editor.current?.dsc, null);
  host.push({ type: 'notice', level: 'warning', message: 'from the host' });
  assert.deepEqual(editor.notice, { level: 'warning', message: 'from the host' });
});

test('a toolbar command sends what is typed first; the layout is remembered and revealed; thumbnails patch the pages', async () => {
  const { host, editor, revealed } = await startEditor(records(5));
  editor.type('ssc', 'a new short caption');
  editor.runCommand('recaption.upsample');
  assert.deepEqual(host.asked('edit'), [{ op: 'text', fileName: 'img-0.png', kind: 'ssc', text: 'a new short caption' }]);
  assert.deepEqual(host.sent.at(-1), { type: 'command', command: 'recaption.upsample' });
  editor.setLayout({ layout: 'grid' });
  await settle();
  assert.deepEqual(host.sent.find((e) => e.type === 'layout'), { type: 'layout', state: { layout: 'grid', tileSize: 140 } });
  assert.deepEqual(revealed.at(-1), { position: 0, focus: true });
  editor.gridTiles(12);
  editor.gridTiles(12);
  assert.equal(host.sent.filter((e) => e.type === 'gridRender').length, 1, 'the time to the first tiles, once per switch');
  await editor.loadThumbnails(['img-1.png']);
  assert.equal(editor.pages.get(1)?.thumb, 'thumb:img-1.png');
  editor.togglePanel('replace');
  editor.togglePanel('normalize');
  assert.equal(editor.panel, 'normalize', 'one panel at a time');
  editor.togglePanel('normalize');
  assert.equal(editor.panel, null);
});

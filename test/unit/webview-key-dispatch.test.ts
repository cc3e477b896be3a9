// The editor's key dispatch (src/webview/state/key-dispatch.ts) over the real state controller, without a browser:
// which keys are the editor's, what they do in a caption field, in the list, in the grid and with several
// images selected, and which are left to the browser and the widgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyDispatch, type KeyTarget, type KeyView, type Zoom } from '../../src/webview/state/key-dispatch.js';
import type { KeyState } from '../../src/webview/state/shortcuts.js';
import type { CaptionKind } from '../../src/shared/record.js';
import { record, settle, startEditor } from './webview-editor-host.js';

const press = (key: string, mods: Partial<KeyState> = {}): KeyState => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
const LIST: KeyTarget = { text: false, widget: false };
const field = (kind: CaptionKind): KeyTarget => ({ text: true, field: kind, widget: false });
const WIDGET: KeyTarget = { text: false, widget: true };

class ScreenLog implements KeyView {
  columns = 4;
  pageStep = 10;
  readonly did: string[] = [];
  focusField(kind: CaptionKind): void {
    this.did.push(`focus ${kind}`);
  }
  focusList(): void {
    this.did.push('focus list');
  }
  focusSearch(): void {
    this.did.push('focus search');
  }
  zoom(how: Zoom): void {
    this.did.push(`zoom ${how}`);
  }
}

async function setup(n = 30, reviewed: (i: number) => boolean = () => false) {
  const started = await startEditor(Array.from({ length: n }, (_, i) => record(i, reviewed(i))));
  const screen = new ScreenLog();
  return { ...started, screen, keys: new KeyDispatch(started.editor, screen) };
}

test('in the list: j/k and the arrows move by one, Page Down by a screen, End to the last; Shift extends', async () => {
  const { editor, keys } = await setup();
  assert.equal(keys.handle(press('j'), LIST), true);
  assert.equal(keys.handle(press('ArrowDown'), LIST), true);
  assert.equal(editor.selected, 2);
  keys.handle(press('PageDown'), LIST);
  assert.equal(editor.selected, 12);
  keys.handle(press('ArrowDown', { shiftKey: true }), LIST);
  keys.handle(press('ArrowDown', { shiftKey: true }), LIST);
  assert.deepEqual(editor.selection.ranges(), [[12, 15]]);
  keys.handle(press('End'), LIST);
  assert.equal(editor.selected, 29);
  assert.equal(editor.selection.isMulti, false, 'a plain move collapses the selection');
  assert.equal(keys.handle(press('ArrowRight'), LIST), false, 'no sideways move in the list');
  assert.equal(keys.handle(press('q'), LIST), false, 'an unbound key is the browser\'s');
});

test('in the grid the arrows move by tiles and rows of tiles; Enter opens the image beside its captions', async () => {
  const { editor, keys } = await setup();
  editor.setLayout({ layout: 'grid' });
  keys.handle(press('ArrowDown'), LIST);
  keys.handle(press('ArrowRight'), LIST);
  assert.equal(editor.selected, 5, 'a row of four, then one');
  keys.handle(press('ArrowLeft', { shiftKey: true }), LIST);
  assert.deepEqual(editor.selection.ranges(), [[4, 6]]);
  assert.equal(keys.handle(press('Enter'), LIST), true);
  assert.equal(editor.layout.layout, 'list');
  keys.handle(press('g'), LIST);
  assert.equal(editor.layout.layout, 'grid');
});

test('in a caption: Ctrl+Enter approves the SSC and goes on to the DSC, then approves the DSC and goes on to the next unreviewed image', async () => {
  const { host, editor, keys, screen } = await setup(10, (i) => i === 1);
  assert.equal(keys.handle(press('Enter', { ctrlKey: true }), field('ssc')), true);
  assert.deepEqual(screen.did, ['focus dsc']);
  assert.equal(keys.handle(press('Enter', { ctrlKey: true }), field('dsc')), true);
  await settle();
  assert.equal(editor.selected, 2, 'image 1 is reviewed already');
  assert.deepEqual(screen.did, ['focus dsc', 'focus list']);
  assert.deepEqual(host.asked('edit').map((e) => `${e.op} ${e.fileName} ${e.kind}`), ['review img-0.png ssc', 'review img-0.png dsc']);
  assert.equal(keys.handle(press('Enter'), field('dsc')), false, 'a plain Enter is a new line');
  assert.equal(keys.handle(press('Enter', { ctrlKey: true }), { text: true, widget: false }), false, 'not in the filter\'s text');
  assert.equal(keys.handle(press('j'), field('dsc')), false, 'letters are typed');
});

test('in a caption: Alt+arrows move and keep the field; Escape leaves it for the list; Ctrl+S sends what is typed and lets VS Code save', async () => {
  const { host, editor, keys, screen } = await setup();
  assert.equal(keys.handle(press('ArrowDown', { altKey: true }), field('dsc')), true);
  await settle();
  assert.equal(editor.selected, 1);
  assert.deepEqual(screen.did, ['focus dsc']);
  editor.type('dsc', 'typed');
  assert.equal(keys.handle(press('s', { ctrlKey: true }), field('dsc')), false);
  assert.deepEqual(host.asked('edit'), [{ op: 'text', fileName: 'img-1.png', kind: 'dsc', text: 'typed' }]);
  assert.equal(keys.handle(press('Escape'), field('dsc')), true);
  assert.deepEqual(screen.did, ['focus dsc', 'focus list']);
});

test('the review keys act on one image (and a/x go on), or on the whole multi-selection as one edit', async () => {
  const { host, editor, keys } = await setup();
  keys.handle(press('a'), LIST);
  await settle();
  assert.equal(editor.selected, 1, 'approve both, then the next unreviewed image');
  keys.handle(press('!'), LIST);
  assert.equal(editor.current?.ssc?.review, 'rejected');
  assert.equal(editor.selected, 1, 'a single caption\'s review stays');
  assert.equal(keys.handle(press('a', { ctrlKey: true }), LIST), true);
  assert.equal(editor.selection.count, 30);
  keys.handle(press('u'), LIST);
  assert.deepEqual(host.asked('bulkReview').map((b) => [b.ranges, b.kinds, b.review]), [[[[0, 30]], ['ssc', 'dsc'], null]]);
  keys.handle(press('Escape'), LIST);
  assert.equal(editor.selection.isMulti, false);
});

test('widgets keep their keys; the view keys focus, zoom and open the panels', async () => {
  const { editor, keys, screen } = await setup();
  assert.equal(keys.handle(press('j'), WIDGET), false);
  assert.equal(keys.handle(press('a', { ctrlKey: true }), WIDGET), false, 'Ctrl+A in a select is its own');
  assert.equal(editor.selected, 0);
  for (const key of ['/', '+', '-', '0', '9', 's', 'd']) keys.handle(press(key), LIST);
  assert.deepEqual(screen.did, ['focus search', 'zoom in', 'zoom out', 'zoom fit', 'zoom actual', 'focus ssc', 'focus dsc']);
  keys.handle(press('r'), LIST);
  assert.equal(editor.panel, 'replace');
  keys.handle(press('?'), LIST);
  keys.handle(press('o'), LIST);
  assert.deepEqual([editor.showHelp, editor.showOriginal], [true, true]);
});

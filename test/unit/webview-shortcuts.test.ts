// The editor's keymap: one key, one action; the caption fields' chords match exactly their modifiers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_KEYS, FOOTER_HINTS, LIST_KEYS, actionFor, chordLabel, fieldActionFor, type KeyState } from '../../src/webview/state/shortcuts.js';

const press = (key: string, mods: Partial<KeyState> = {}): KeyState => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

test('no key is bound twice, in the list or in a caption field', () => {
  const listKeys = LIST_KEYS.flatMap((k) => k.keys);
  assert.equal(new Set(listKeys).size, listKeys.length);
  const chords = FIELD_KEYS.map((k) => chordLabel(k.chord));
  assert.equal(new Set(chords).size, chords.length);
  for (const k of LIST_KEYS) for (const key of k.keys) assert.equal(actionFor(key), k.action, key);
});

test('a field chord needs exactly its modifiers; Cmd counts as Ctrl', () => {
  assert.equal(fieldActionFor(press('Enter', { ctrlKey: true })), 'approveAndGoOn');
  assert.equal(fieldActionFor(press('Enter', { metaKey: true })), 'approveAndGoOn');
  assert.equal(fieldActionFor(press('Enter', { ctrlKey: true, shiftKey: true })), 'rejectCaption');
  assert.equal(fieldActionFor(press('Enter')), undefined, 'a plain Enter is a new line');
  assert.equal(fieldActionFor(press('ArrowDown', { altKey: true })), 'nextImage');
  assert.equal(fieldActionFor(press('ArrowUp', { altKey: true })), 'prevImage');
  assert.equal(fieldActionFor(press('ArrowDown')), undefined, 'a plain arrow moves the caret');
  assert.equal(fieldActionFor(press('S', { ctrlKey: true, shiftKey: false })), 'commitTyped', 'Caps Lock still saves');
  assert.equal(fieldActionFor(press('Escape')), 'leaveField');
  assert.equal(fieldActionFor(press('z', { ctrlKey: true })), undefined, "undo in a field is the browser's");
});

test('the footer shows the keys the keymap marks, as the help writes them', () => {
  assert.deepEqual(FOOTER_HINTS.map((h) => h.key), [...LIST_KEYS.filter((k) => k.footer).map((k) => k.keys[0]), 'Ctrl+Enter']);
});

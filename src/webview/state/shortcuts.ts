// The editor's keyboard map, in one place: the key handlers (list, grid and caption fields), the help and
// the footer all read it.

export type Action =
  | 'next'
  | 'prev'
  | 'pageDown'
  | 'pageUp'
  | 'first'
  | 'last'
  | 'nextUnreviewed'
  | 'prevUnreviewed'
  | 'focusSsc'
  | 'focusDsc'
  | 'approveBoth'
  | 'rejectBoth'
  | 'approveSsc'
  | 'approveDsc'
  | 'rejectSsc'
  | 'rejectDsc'
  | 'clearReview'
  | 'toggleOriginal'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'zoomActual'
  | 'focusSearch'
  | 'toggleReplace'
  | 'toggleHelp'
  | 'toggleLayout'
  | 'clearSelection';

/** Shortcuts that work when focus is not in a text field. */
export const LIST_KEYS: { keys: string[]; action: Action; label: string; footer?: string }[] = [
  { keys: ['j', 'ArrowDown'], action: 'next', label: 'Next image', footer: 'move' },
  { keys: ['k', 'ArrowUp'], action: 'prev', label: 'Previous image' },
  { keys: ['PageDown'], action: 'pageDown', label: 'Page down' },
  { keys: ['PageUp'], action: 'pageUp', label: 'Page up' },
  { keys: ['Home'], action: 'first', label: 'First image' },
  { keys: ['End'], action: 'last', label: 'Last image' },
  { keys: ['n'], action: 'nextUnreviewed', label: 'Next unreviewed', footer: 'next unreviewed' },
  { keys: ['N'], action: 'prevUnreviewed', label: 'Previous unreviewed' },
  { keys: ['s', 'Enter'], action: 'focusSsc', label: 'Edit SSC' },
  { keys: ['d'], action: 'focusDsc', label: 'Edit DSC', footer: 'edit DSC' },
  { keys: ['a'], action: 'approveBoth', label: 'Approve both', footer: 'approve both' },
  { keys: ['x'], action: 'rejectBoth', label: 'Reject both' },
  { keys: ['1'], action: 'approveSsc', label: 'Approve SSC', footer: 'approve SSC' },
  { keys: ['2'], action: 'approveDsc', label: 'Approve DSC' },
  { keys: ['!'], action: 'rejectSsc', label: 'Reject SSC (Shift+1)' },
  { keys: ['@', '"'], action: 'rejectDsc', label: 'Reject DSC (Shift+2)' },
  { keys: ['u'], action: 'clearReview', label: 'Clear reviews' },
  { keys: ['o'], action: 'toggleOriginal', label: "Show model's original", footer: "model's original" },
  { keys: ['+', '='], action: 'zoomIn', label: 'Zoom in' },
  { keys: ['-'], action: 'zoomOut', label: 'Zoom out' },
  { keys: ['0'], action: 'zoomFit', label: 'Fit image' },
  { keys: ['9'], action: 'zoomActual', label: 'Actual size' },
  { keys: ['/'], action: 'focusSearch', label: 'Filter by text' },
  { keys: ['r'], action: 'toggleReplace', label: 'Find & replace' },
  { keys: ['g'], action: 'toggleLayout', label: 'Grid of thumbnails / list', footer: 'grid' },
  { keys: ['Escape'], action: 'clearSelection', label: 'Clear the multi-selection' },
  { keys: ['?'], action: 'toggleHelp', label: 'Show all shortcuts', footer: 'all shortcuts' },
];

/** Multi-select (handled by the list and grid themselves; listed for the help). */
export const SELECTION_KEYS: { keys: string; label: string }[] = [
  { keys: 'Click / Shift+click / Ctrl+click', label: 'Select one / a range / add or remove one' },
  { keys: 'Shift+↑ / Shift+↓ (grid: also Shift+← / Shift+→)', label: 'Extend the selection' },
  { keys: 'Ctrl+A', label: 'Select every image the filter shows' },
  { keys: 'a / x / 1 / 2 / u with a selection', label: 'Approve, reject or clear the selection, as one undoable edit' },
  { keys: '← → ↑ ↓ in the grid, Enter', label: 'Move in two dimensions; open the image beside its captions' },
];

/** What a key does inside a caption field. */
export type FieldAction = 'approveAndGoOn' | 'rejectCaption' | 'nextImage' | 'prevImage' | 'leaveField' | 'commitTyped';

/** A key with its modifiers; `ctrl` is Ctrl or Cmd. Unnamed modifiers must be up. */
export interface Chord {
  key: string;
  ctrl?: boolean;
  shift?: boolean;
  alt?: boolean;
}

/** Shortcuts inside a caption field; `action: null` is the browser's own (listed for the help). */
export const FIELD_KEYS: { chord: Chord; action: FieldAction | null; label: string; footer?: string }[] = [
  { chord: { key: 'Enter', ctrl: true }, action: 'approveAndGoOn', label: 'Approve this caption, go on (SSC → DSC → next unreviewed)', footer: 'approve & go on' },
  { chord: { key: 'Enter', ctrl: true, shift: true }, action: 'rejectCaption', label: 'Reject this caption' },
  { chord: { key: 'ArrowDown', alt: true }, action: 'nextImage', label: 'Next image' },
  { chord: { key: 'ArrowUp', alt: true }, action: 'prevImage', label: 'Previous image' },
  { chord: { key: 'Escape' }, action: 'leaveField', label: 'Leave the field' },
  // VS Code saves on Ctrl+S; the field sends what is typed first so the save includes it.
  { chord: { key: 's', ctrl: true }, action: 'commitTyped', label: 'Save the manifest' },
  { chord: { key: 'z', ctrl: true }, action: null, label: 'Undo typing (outside a field: undo whole edits)' },
];

/** The keys a chord needs, for a user to read. */
export function chordLabel(chord: Chord): string {
  const key = chord.key === 'ArrowDown' ? '↓' : chord.key === 'ArrowUp' ? '↑' : chord.key.length === 1 ? chord.key.toUpperCase() : chord.key;
  return [chord.ctrl ? 'Ctrl' : '', chord.shift ? 'Shift' : '', chord.alt ? 'Alt' : '', key].filter(Boolean).join('+');
}

/** The modifiers and key of a keyboard event (a KeyboardEvent has them). */
export interface KeyState {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function chordMatches(chord: Chord, e: KeyState): boolean {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return key === chord.key && (e.ctrlKey || e.metaKey) === (chord.ctrl === true) && e.shiftKey === (chord.shift === true) && e.altKey === (chord.alt === true);
}

/** The field action a key press asks for, if any. */
export function fieldActionFor(e: KeyState): FieldAction | undefined {
  return FIELD_KEYS.find((k) => k.action !== null && chordMatches(k.chord, e))?.action ?? undefined;
}

export function actionFor(key: string): Action | undefined {
  return LIST_KEYS.find((k) => k.keys.includes(key))?.action;
}

/** The footer's hints: the keymap's entries marked for it, with their first key. */
export const FOOTER_HINTS: { key: string; label: string }[] = [
  ...LIST_KEYS.flatMap((k) => (k.footer ? [{ key: k.keys[0]!, label: k.footer }] : [])),
  ...FIELD_KEYS.flatMap((k) => (k.footer ? [{ key: chordLabel(k.chord), label: k.footer }] : [])),
];

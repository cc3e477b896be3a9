// The editor's keyboard map, in one place: the key handler and the help shown in the UI both read it.

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

/** Shortcuts inside a caption field. */
export const FIELD_KEYS: { keys: string; label: string; footer?: string }[] = [
  { keys: 'Ctrl+Enter', label: 'Approve this caption, go on (SSC → DSC → next unreviewed)', footer: 'approve & go on' },
  { keys: 'Ctrl+Shift+Enter', label: 'Reject this caption' },
  { keys: 'Alt+↓ / Alt+↑', label: 'Next / previous image' },
  { keys: 'Escape', label: 'Leave the field' },
  { keys: 'Ctrl+S', label: 'Save the manifest' },
  { keys: 'Ctrl+Z', label: 'Undo (outside a field: undo whole edits)' },
];

export function actionFor(key: string): Action | undefined {
  return LIST_KEYS.find((k) => k.keys.includes(key))?.action;
}

/** The footer's hints: the keymap's entries marked for it, with their first key. */
export const FOOTER_HINTS: { key: string; label: string }[] = [
  ...LIST_KEYS.flatMap((k) => (k.footer ? [{ key: k.keys[0]!, label: k.footer }] : [])),
  ...FIELD_KEYS.flatMap((k) => (k.footer ? [{ key: k.keys, label: k.footer }] : [])),
];

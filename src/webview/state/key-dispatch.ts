// The editor's key dispatch: a key press, with where it landed, becomes one of the editor's actions
// (shortcuts.ts is the map). It needs no browser: the app shell passes the key and its target, and says
// how to focus and zoom.
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import { actionFor, fieldActionFor, type Action, type FieldAction, type KeyState } from './shortcuts.js';
import type { EditorController } from './editor-controller.js';

/** Where a key press landed. */
export interface KeyTarget {
  /** In a text field: a caption, the filter's text, any input. */
  text: boolean;
  /** The caption it landed in, if it is a caption field. */
  field?: CaptionKind;
  /** In a control that takes keys itself (a button, a select, a panel). */
  widget: boolean;
}

export type Zoom = 'in' | 'out' | 'fit' | 'actual';

/** What the keys ask of the elements on screen (the app shell answers). */
export interface KeyView {
  /** Tiles per row in the grid; 1 in the list. */
  readonly columns: number;
  /** How many images Page Up and Page Down move. */
  readonly pageStep: number;
  focusField(kind: CaptionKind): void;
  focusList(): void;
  focusSearch(): void;
  zoom(how: Zoom): void;
}

const BOTH: CaptionKind[] = ['ssc', 'dsc'];

/** The review keys: what they review; `goOn` moves to the next unreviewed image after one image's review. */
const REVIEW_KEYS: Partial<Record<Action, { kinds: CaptionKind[]; review: ReviewState; goOn?: boolean }>> = {
  approveBoth: { kinds: BOTH, review: 'approved', goOn: true },
  rejectBoth: { kinds: BOTH, review: 'rejected', goOn: true },
  approveSsc: { kinds: ['ssc'], review: 'approved' },
  approveDsc: { kinds: ['dsc'], review: 'approved' },
  rejectSsc: { kinds: ['ssc'], review: 'rejected' },
  rejectDsc: { kinds: ['dsc'], review: 'rejected' },
  clearReview: { kinds: BOTH, review: null },
};

/** Where a keyboard event landed, looked up in the DOM (through shadow roots). */
export function keyTarget(e: KeyboardEvent): KeyTarget {
  const path = e.composedPath();
  const origin = path[0];
  const kind = origin instanceof HTMLTextAreaElement ? origin.dataset.kind : undefined;
  return {
    text: origin instanceof HTMLTextAreaElement || origin instanceof HTMLInputElement,
    field: kind === 'ssc' || kind === 'dsc' ? kind : undefined,
    widget: path.some((t) => t instanceof HTMLElement && /^VSCODE-|^BUTTON$|^INPUT$|^RC-FIND-REPLACE$|^RC-NORMALIZE$/.test(t.tagName)),
  };
}

export class KeyDispatch {
  constructor(
    private readonly editor: EditorController,
    private readonly view: KeyView,
  ) {}

  /** Acts on a key press; true when the key was the editor's (the browser's default is then prevented). */
  handle(key: KeyState, target: KeyTarget): boolean {
    const editor = this.editor;
    if (target.text) {
      const action = fieldActionFor(key);
      return action ? this.runInField(action, target.field) : false;
    }
    const ctrl = key.ctrlKey || key.metaKey;
    if (ctrl && !key.altKey && (key.key === 'a' || key.key === 'A') && !target.widget) {
      editor.selectAll();
      return true;
    }
    if (ctrl || key.altKey) {
      // VS Code saves on Ctrl+S: what is typed goes first.
      if (ctrl && key.key === 's') editor.commitAll();
      return false;
    }
    if (target.widget) return false;
    const step = this.arrowStep(key.key);
    if (step !== 0) {
      editor.select(editor.selected + step, true, key.shiftKey ? 'extend' : 'move');
      return true;
    }
    if (key.key === 'Enter' && editor.layout.layout === 'grid') {
      editor.setLayout({ layout: 'list' });
      return true;
    }
    const action = actionFor(key.key);
    if (!action) return false;
    this.run(action);
    return true;
  }

  /** How far an arrow key moves: a row in the list; a tile or a row of tiles in the grid. */
  private arrowStep(key: string): number {
    const grid = this.editor.layout.layout === 'grid';
    const columns = grid ? this.view.columns : 1;
    if (key === 'ArrowDown') return columns;
    if (key === 'ArrowUp') return -columns;
    if (grid && key === 'ArrowRight') return 1;
    if (grid && key === 'ArrowLeft') return -1;
    return 0;
  }

  /** A caption field's key (see FIELD_KEYS); `kind` is the field's caption, undefined in other inputs. */
  private runInField(action: FieldAction, kind: CaptionKind | undefined): boolean {
    const editor = this.editor;
    switch (action) {
      case 'leaveField':
        editor.commitAll();
        this.view.focusList();
        return true;
      case 'approveAndGoOn':
      case 'rejectCaption': {
        if (!kind) return false;
        const reject = action === 'rejectCaption';
        if (!editor.review([kind], reject ? 'rejected' : 'approved')) return true;
        if (kind === 'ssc' && !reject) this.view.focusField('dsc');
        else void editor.nextUnreviewed(1).then(() => this.view.focusList());
        return true;
      }
      case 'nextImage':
      case 'prevImage':
        editor.select(editor.selected + (action === 'nextImage' ? 1 : -1), false);
        if (kind) void editor.rendered.then(() => this.view.focusField(kind));
        return true;
      case 'commitTyped':
        // Not prevented: VS Code's own Ctrl+S saves, after this sends what is typed.
        editor.commitAll();
        return false;
    }
  }

  private run(action: Action): void {
    const editor = this.editor;
    const reviewKey = REVIEW_KEYS[action];
    if (reviewKey) {
      if (editor.selection.isMulti) return editor.bulkReview(reviewKey.kinds, reviewKey.review);
      if (editor.review(reviewKey.kinds, reviewKey.review) && reviewKey.goOn) void editor.nextUnreviewed(1);
      return;
    }
    const step = this.view.pageStep;
    switch (action) {
      case 'next': return editor.select(editor.selected + 1);
      case 'prev': return editor.select(editor.selected - 1);
      case 'pageDown': return editor.select(editor.selected + step);
      case 'pageUp': return editor.select(editor.selected - step);
      case 'first': return editor.select(0);
      case 'last': return editor.select(editor.pages.total - 1);
      case 'nextUnreviewed': return void editor.nextUnreviewed(1);
      case 'prevUnreviewed': return void editor.nextUnreviewed(-1);
      case 'focusSsc': return this.view.focusField('ssc');
      case 'focusDsc': return this.view.focusField('dsc');
      case 'toggleOriginal': return editor.toggleOriginal();
      case 'zoomIn': return this.view.zoom('in');
      case 'zoomOut': return this.view.zoom('out');
      case 'zoomFit': return this.view.zoom('fit');
      case 'zoomActual': return this.view.zoom('actual');
      case 'focusSearch': return this.view.focusSearch();
      case 'toggleReplace': return editor.togglePanel('replace');
      case 'toggleHelp': return editor.toggleHelp();
      case 'toggleLayout': return editor.setLayout({ layout: editor.layout.layout === 'grid' ? 'list' : 'grid' });
      case 'clearSelection': return editor.collapseSelection();
    }
  }
}

// The editor's state on the annotator's path, without a browser: the current image and the multi-selection,
// typed text not yet sent (drafts), commits and reviews. Every change is applied to the local copy of the
// page at once (with the same rules the host applies, from src/shared) and then sent; nothing here waits
// on the host.
import type { EditRequest, RecordView } from '../../shared/protocol.js';
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import { humanEdit, withReview } from '../../shared/caption-edit.js';
import { MultiSelection } from './multi-selection.js';

/** What the controller needs of the page cache (RecordPages). */
export interface PageView {
  readonly total: number;
  get(position: number): RecordView | undefined;
  positionOf(fileName: string): number | undefined;
  patch(fileName: string, update: (r: RecordView) => RecordView): void;
}

/** How a move treats the multi-selection: collapse onto the image, extend from the anchor, or keep. */
export type MoveKind = 'move' | 'extend' | 'keep';

export const COMMIT_DELAY_MS = 400;

const draftKey = (fileName: string, kind: CaptionKind): string => `${kind}\0${fileName}`;

export class ReviewController {
  /** Position of the image shown, within the filter's result; -1 with none. */
  selected = -1;
  readonly selection = new MultiSelection();
  private readonly drafts = new Map<string, string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly pages: PageView,
    private readonly send: (request: EditRequest) => void,
    private readonly commitDelayMs = COMMIT_DELAY_MS,
  ) {}

  get current(): RecordView | undefined {
    return this.selected >= 0 ? this.pages.get(this.selected) : undefined;
  }

  /** Shows the image at `position` (clamped); sends what was typed first. Returns the position, or -1. */
  moveTo(position: number, how: MoveKind = 'move'): number {
    if (this.pages.total === 0) return (this.selected = -1);
    this.commitAll();
    const pos = Math.max(0, Math.min(this.pages.total - 1, position));
    this.selected = pos;
    if (how === 'move') this.selection.moveTo(pos);
    else if (how === 'extend') this.selection.extendTo(pos);
    return pos;
  }

  /** The text typed into a caption and not yet sent, if any. */
  draftOf(fileName: string, kind: CaptionKind): string | undefined {
    return this.drafts.get(draftKey(fileName, kind));
  }

  /** Text typed into the current image's caption: sent after a pause, or on commit. */
  type(kind: CaptionKind, text: string): void {
    const r = this.current;
    if (!r) return;
    const key = draftKey(r.fileName, kind);
    this.drafts.set(key, text);
    clearTimeout(this.timers.get(key));
    const fileName = r.fileName;
    this.timers.set(key, setTimeout(() => this.commit(fileName, kind), this.commitDelayMs));
  }

  /** Sends one caption's draft as a person's edit, shown at once with the provenance the host will save. */
  commit(fileName: string, kind: CaptionKind): void {
    const key = draftKey(fileName, kind);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const text = this.drafts.get(key);
    if (text === undefined) return;
    this.drafts.delete(key);
    const pos = this.pages.positionOf(fileName);
    const before = pos === undefined ? null : (this.pages.get(pos)?.[kind] ?? null);
    const next = humanEdit(before, text);
    if (!next) return;
    this.pages.patch(fileName, (r) => ({ ...r, [kind]: humanEdit(r[kind], text) ?? r[kind] }));
    this.send({ op: 'text', fileName, kind, text });
  }

  commitAll(): void {
    for (const key of [...this.drafts.keys()]) {
      const [kind, fileName] = key.split('\0') as [CaptionKind, string];
      this.commit(fileName, kind);
    }
  }

  /**
   * Reviews the current image's captions of `kinds` (those it has). Returns the kinds reviewed; none means
   * the image has no such caption yet.
   */
  review(kinds: readonly CaptionKind[], review: ReviewState): CaptionKind[] {
    if (!this.current) return [];
    this.commitAll();
    const r = this.current;
    if (!r) return [];
    const present = kinds.filter((k) => r[k] !== null);
    if (present.length === 0) return [];
    this.pages.patch(r.fileName, (rec) => {
      const next = { ...rec };
      for (const k of present) next[k] = withReview(rec[k]!, review) ?? rec[k];
      return next;
    });
    for (const kind of present) this.send({ op: 'review', fileName: r.fileName, kind, review });
    return present;
  }
}

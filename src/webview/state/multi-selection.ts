// The editor's multi-selection over the current filter's result, as the list and the grid use it: click
// selects one, Shift+click and Shift+arrows extend from the anchor, Ctrl/Cmd+click toggles, Ctrl+A takes
// everything the filter shows. Positions are within the filter's result; the host resolves them.
import { RangeSet, type Range } from '../../shared/range-set.js';

/** A click on a row or tile: its position and the modifiers that shape the selection. */
export interface PositionClick extends PointerModifiers {
  position: number;
}

export interface PointerModifiers {
  /** Shift: extend from the anchor. */
  range: boolean;
  /** Ctrl or Cmd: add or remove one. */
  toggle: boolean;
}

export class MultiSelection {
  private readonly set = new RangeSet();
  /** Where a Shift range starts: the last plain or Ctrl click. */
  private anchor = -1;
  /** The ranges a Shift extension added on top of what was selected before it. */
  private base: readonly Range[] = [];

  /** Images selected (with one or none there is no multi-selection: actions apply to the current image). */
  get count(): number {
    return this.set.size;
  }

  get isMulti(): boolean {
    return this.set.size > 1;
  }

  has(position: number): boolean {
    return this.set.has(position);
  }

  ranges(): Range[] {
    return [...this.set.ranges()];
  }

  /** A click on `position` with these modifiers. */
  click(position: number, mods: PointerModifiers): void {
    if (mods.range && this.anchor >= 0) return this.extendTo(position);
    if (mods.toggle) {
      // The first Ctrl+click keeps the image shown until now selected with the new one.
      if (this.set.isEmpty && this.anchor >= 0 && this.anchor !== position) this.set.add(this.anchor, this.anchor + 1);
      this.set.toggle(position);
    } else {
      this.set.clear();
      this.set.add(position, position + 1);
    }
    this.anchor = position;
    this.base = this.set.ranges();
  }

  /** The current image moved without a modifier: it is the selection's anchor, and nothing is multi-selected. */
  moveTo(position: number): void {
    this.set.clear();
    this.set.add(position, position + 1);
    this.anchor = position;
    this.base = this.set.ranges();
  }

  /** Shift+click or Shift+arrow: the range from the anchor to `position`, on top of what was there before. */
  extendTo(position: number): void {
    if (this.anchor < 0) return this.moveTo(position);
    const next = RangeSet.of(this.base);
    next.add(Math.min(this.anchor, position), Math.max(this.anchor, position) + 1);
    this.set.clear();
    for (const [a, b] of next.ranges()) this.set.add(a, b);
  }

  /** Ctrl+A: every image the filter shows. */
  selectAll(total: number): void {
    this.set.clear();
    if (total > 0) this.set.add(0, total);
    this.base = this.set.ranges();
  }

  /** Keeps only the image at `position` (Escape, a new filter). */
  collapse(position: number): void {
    this.moveTo(position);
  }
}

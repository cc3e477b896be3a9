// Scroll space for lists taller than a browser lets an element be (Chromium caps an element's height at
// about 33.5 million pixels: 600,000 rows of 56 px). The element gets at most MAX_SCROLL_HEIGHT pixels,
// cut into pages, each page with an offset, so that together they cover the whole list (the scheme
// SlickGrid uses for its million-row grids). A small scroll (a wheel tick, an arrow key) moves exactly
// its pixels; a large one (dragging the scrollbar) lands in proportion. Pure arithmetic: the list calls it.

/** Well under every browser's cap, so the spacer is never clipped. */
export const MAX_SCROLL_HEIGHT = 10_000_000;
const PAGES = 100;

export interface ScrollPosition {
  /** The list position (virtual pixels) at the top of the view. */
  virtualTop: number;
  /** What the scrolling element's scrollTop must be. */
  scrollTop: number;
}

export class PagedScrollSpace {
  private virtualHeight = 0;
  private realHeight = 0;
  private pageHeight = 1;
  private pageCount = 1;
  private jumpPerPage = 0;
  /** Virtual minus real position: where content drawn at virtual y goes is y - offset. */
  offset = 0;
  private lastScrollTop = 0;

  constructor(private readonly maxHeight = MAX_SCROLL_HEIGHT) {}

  /** Sets the list's full height; returns the height the scrolling element's content gets. */
  layout(virtualHeight: number): number {
    this.virtualHeight = Math.max(0, virtualHeight);
    this.realHeight = Math.min(this.virtualHeight, this.maxHeight);
    this.pageHeight = Math.max(1, this.realHeight / PAGES);
    this.pageCount = Math.max(1, Math.ceil(this.virtualHeight / this.pageHeight));
    this.jumpPerPage = this.pageCount > 1 ? (this.virtualHeight - this.realHeight) / (this.pageCount - 1) : 0;
    if (this.realHeight === this.virtualHeight) this.offset = 0;
    return this.realHeight;
  }

  get contentHeight(): number {
    return this.realHeight;
  }

  /** The element scrolled to `scrollTop` (a scroll event). */
  onScroll(scrollTop: number, viewHeight: number): ScrollPosition {
    const distance = Math.abs(scrollTop - this.lastScrollTop);
    if (distance < viewHeight || this.realHeight <= viewHeight) return this.scrollToVirtual(scrollTop + this.offset, viewHeight);
    // A jump (the scrollbar dragged, Home, End): the same fraction of the whole list.
    const fraction = scrollTop / (this.realHeight - viewHeight);
    return this.place(fraction * Math.max(0, this.virtualHeight - viewHeight), scrollTop, viewHeight);
  }

  /** Shows virtual position `y` at the top of the view. */
  scrollToVirtual(y: number, viewHeight: number): ScrollPosition {
    const virtualTop = this.clampVirtual(y, viewHeight);
    const page = Math.min(this.pageCount - 1, Math.floor(virtualTop / this.pageHeight));
    const offset = Math.round(page * this.jumpPerPage);
    return this.place(virtualTop, virtualTop - offset, viewHeight);
  }

  private clampVirtual(y: number, viewHeight: number): number {
    return Math.max(0, Math.min(y, Math.max(0, this.virtualHeight - viewHeight)));
  }

  /** Puts `virtualTop` at real `scrollTop`, keeping the real position inside the element's range. */
  private place(virtualTop: number, scrollTop: number, viewHeight: number): ScrollPosition {
    const top = this.clampVirtual(virtualTop, viewHeight);
    const real = Math.max(0, Math.min(Math.round(scrollTop), Math.max(0, this.realHeight - viewHeight)));
    this.offset = top - real;
    this.lastScrollTop = real;
    return { virtualTop: top, scrollTop: real };
  }
}

// What the list and the grid share: a virtualized view of the page cache (state/record-pages.ts). Only the items
// in view (plus a margin) exist in the DOM, pages load and thumbnails are asked for as items come into view,
// and the scroll space is paged (paged-scroll.ts), so a million records fit under the browser's cap on an
// element's height. A subclass says where an item goes and how it is drawn.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { property, query } from 'lit/decorators.js';
import type { RecordView } from '../../shared/protocol.js';
import { thumbnailsToAsk, type RecordPages } from '../state/record-pages.js';
import type { MultiSelection, PositionClick } from '../state/multi-selection.js';
import { PagedScrollSpace, type ScrollPosition } from './paged-scroll.js';

/** The band of virtual pixels an item's row takes (a row of the list, a row of tiles). */
export interface Band {
  top: number;
  height: number;
}

export abstract class RecordScroller extends LitElement {
  static scrollerStyles = css`
    :host { display: block; position: relative; overflow-y: auto; overflow-x: hidden; outline: none; }
    .spacer { position: relative; width: 100%; }
    .placeholder { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) pages!: RecordPages;
  @property({ attribute: false }) selection?: MultiSelection;
  @property({ type: Number }) selected = -1;
  /** Bumped by the app whenever pages or the selection change, to re-render. */
  @property({ type: Number }) version = 0;
  /** The position (virtual pixels) at the top of the view. */
  protected virtualTop = 0;
  protected viewHeight = 600;
  protected readonly space = new PagedScrollSpace();
  private readonly askedThumbs = new Set<string>();
  private reportedFirst = false;
  @query('.spacer') private spacer?: HTMLElement;

  /** The event that reports, once, how many items the first screen drew with their records. */
  protected abstract readonly firstDrawnEvent: string;
  /** Extra pixels shown under an item revealed at the bottom of the view. */
  protected revealMargin = 0;
  /** The height of every item together, in virtual pixels (0 before the pages are set). */
  protected abstract get virtualHeight(): number;
  /** Positions [first, last) of the items in view, with a margin. */
  protected abstract visibleRange(): [number, number];
  protected abstract band(position: number): Band;
  /** Places a drawn item (through the CSSOM: the webview's content security policy refuses inline styles). */
  protected abstract place(item: HTMLElement, position: number): void;
  protected abstract itemTemplate(position: number, record: RecordView | undefined): TemplateResult;

  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = 0;
    this.addEventListener('scroll', () => {
      this.space.layout(this.virtualHeight);
      this.apply(this.space.onScroll(this.scrollTop, this.clientHeight || this.viewHeight));
    });
    new ResizeObserver(() => {
      this.measure();
      this.requestUpdate();
    }).observe(this);
  }

  /** Takes the view's size after a resize. */
  protected measure(): void {
    this.viewHeight = this.clientHeight;
  }

  /** Scrolls just enough to show `position`. */
  reveal(position: number): void {
    const { top, height } = this.band(position);
    const view = this.clientHeight || this.viewHeight;
    let y: number;
    if (top < this.virtualTop) y = top;
    else if (top + height > this.virtualTop + view) y = top + height - view + this.revealMargin;
    else return;
    this.space.layout(this.virtualHeight);
    this.apply(this.space.scrollToVirtual(y, view));
  }

  private apply(position: ScrollPosition): void {
    if (Math.abs(this.scrollTop - position.scrollTop) >= 1) this.scrollTop = position.scrollTop;
    this.virtualTop = position.virtualTop;
    this.requestUpdate();
  }

  override willUpdate(): void {
    if (!this.pages) return;
    // The records got fewer (a filter): stay inside them.
    const max = Math.max(0, this.virtualHeight - this.viewHeight);
    if (this.virtualTop > max) {
      this.space.layout(this.virtualHeight);
      const at = this.space.scrollToVirtual(max, this.viewHeight);
      this.virtualTop = at.virtualTop;
      if (Math.abs(this.scrollTop - at.scrollTop) >= 1) this.scrollTop = at.scrollTop;
    }
  }

  override updated(): void {
    if (this.spacer) this.spacer.style.height = `${this.space.layout(this.virtualHeight)}px`;
    const [first, last] = this.visibleRange();
    this.pages.ensure(first, last);
    const missing = thumbnailsToAsk(this.pages, first, last, this.askedThumbs);
    if (missing.length > 0) this.dispatchEvent(new CustomEvent('need-thumbnails', { detail: missing }));
    for (const item of (this.renderRoot as ShadowRoot).querySelectorAll<HTMLElement>('[data-pos]')) this.place(item, Number(item.dataset.pos));
    if (first < last && this.pages.get(first) && !this.reportedFirst) {
      this.reportedFirst = true;
      this.dispatchEvent(new CustomEvent(this.firstDrawnEvent, { detail: last - first }));
    }
  }

  /** A click on an item: the app shapes the multi-selection from its modifiers. */
  protected clicked(position: number, e: MouseEvent): void {
    this.dispatchEvent(new CustomEvent<PositionClick>('tile-click', { detail: { position, range: e.shiftKey, toggle: e.ctrlKey || e.metaKey } }));
  }

  /** The classes an item's state gives it: the image shown, and one of several selected. */
  protected selectionClasses(position: number, current: string): string {
    return `${position === this.selected ? current : ''} ${this.selection?.isMulti && this.selection.has(position) ? 'multi' : ''}`;
  }

  override render() {
    if (!this.pages) return nothing;
    const [first, last] = this.visibleRange();
    const items: TemplateResult[] = [];
    for (let p = first; p < last; p++) items.push(this.itemTemplate(p, this.pages.get(p)));
    return html`<div class="spacer">${items}</div>`;
  }
}

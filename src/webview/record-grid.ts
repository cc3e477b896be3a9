// The grid of thumbnails: rows of fixed-size tiles, only the rows in view (plus a margin) exist in the DOM,
// pages load and thumbnails are asked for as tiles come into view. The scroll space is paged like the list's
// (paged-scroll.ts), so a million records fit under the browser's cap on an element's height.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { recordState, TILE_SIZE, type RecordView } from '../shared/protocol.js';
import { thumbnailsToAsk, type RecordPages } from './record-pages.js';
import { PagedScrollSpace } from './paged-scroll.js';
import type { MultiSelection, PositionClick } from './multi-selection.js';
import { describeScore } from './caption-labels.js';
import './defect-badges.js';

const GAP = 6;
/** Height of a tile's caption line under the image. */
const LABEL = 34;
const OVERSCAN_ROWS = 2;

@customElement('rc-grid')
export class RecordGrid extends LitElement {
  static override styles = css`
    :host { display: block; position: relative; overflow-y: auto; overflow-x: hidden; outline: none; }
    .spacer { position: relative; width: 100%; }
    .tile { position: absolute; box-sizing: border-box; display: flex; flex-direction: column; gap: 2px; padding: 3px; cursor: pointer; border: 1px solid var(--vscode-editorGroup-border, transparent); border-radius: 3px; background: var(--vscode-editorWidget-background); }
    .tile:hover { background: var(--vscode-list-hoverBackground); }
    .tile.multi { background: var(--vscode-list-inactiveSelectionBackground); border-color: var(--vscode-list-focusOutline, var(--vscode-focusBorder)); }
    .tile.current { outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
    .image { flex: 1; min-height: 0; display: flex; align-items: center; justify-content: center; overflow: hidden; }
    .image img { max-width: 100%; max-height: 100%; }
    .label { display: flex; align-items: center; gap: 4px; height: ${LABEL - 6}px; font-size: 11px; min-width: 0; }
    .name { flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: var(--vscode-descriptionForeground); }
    .state { flex: none; width: 8px; height: 8px; border-radius: 4px; background: var(--vscode-badge-background); }
    .state.approved { background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
    .state.rejected { background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
    .state.edited { background: var(--vscode-charts-blue); }
    .state.uncaptioned { background: transparent; border: 1px solid var(--vscode-descriptionForeground); }
    .state.error { background: var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); }
    .score { flex: none; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground); }
    .placeholder { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) pages!: RecordPages;
  @property({ attribute: false }) selection!: MultiSelection;
  @property({ type: Number }) selected = -1;
  @property({ type: Number }) tileSize: number = TILE_SIZE.default;
  /** Bumped by the app whenever pages or the selection change, to re-render. */
  @property({ type: Number }) version = 0;
  private virtualTop = 0;
  private viewHeight = 600;
  private viewWidth = 800;
  private readonly space = new PagedScrollSpace();
  private readonly askedThumbs = new Set<string>();
  private reportedFirstTiles = false;
  @query('.spacer') private spacer?: HTMLElement;

  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = 0;
    this.addEventListener('scroll', () => {
      this.space.layout(this.virtualHeight);
      this.apply(this.space.onScroll(this.scrollTop, this.clientHeight || this.viewHeight));
    });
    new ResizeObserver(() => {
      this.viewHeight = this.clientHeight;
      this.viewWidth = this.clientWidth;
      this.requestUpdate();
    }).observe(this);
  }

  /** Tiles per row at the current width and tile size. */
  get columns(): number {
    return Math.max(1, Math.floor((this.viewWidth - GAP) / (this.tileSize + GAP)));
  }

  /** Rows of tiles that fit in the view (for page up/down). */
  get rowsPerView(): number {
    return Math.max(1, Math.floor(this.viewHeight / this.rowHeight));
  }

  private get rowHeight(): number {
    return this.tileSize + LABEL + GAP;
  }

  private get virtualHeight(): number {
    return this.pages ? Math.ceil(this.pages.total / this.columns) * this.rowHeight + GAP : 0;
  }

  /** Scrolls just enough to show `position`'s tile. */
  reveal(position: number): void {
    const top = Math.floor(position / this.columns) * this.rowHeight;
    const view = this.clientHeight || this.viewHeight;
    let y: number;
    if (top < this.virtualTop) y = top;
    else if (top + this.rowHeight > this.virtualTop + view) y = top + this.rowHeight - view + GAP;
    else return;
    this.space.layout(this.virtualHeight);
    this.apply(this.space.scrollToVirtual(y, view));
  }

  private apply(position: { virtualTop: number; scrollTop: number }): void {
    if (Math.abs(this.scrollTop - position.scrollTop) >= 1) this.scrollTop = position.scrollTop;
    this.virtualTop = position.virtualTop;
    this.requestUpdate();
  }

  /** Positions [first, last) of the tiles in view, with a margin of rows. */
  private visibleRange(): [number, number] {
    const columns = this.columns;
    const firstRow = Math.max(0, Math.floor(this.virtualTop / this.rowHeight) - OVERSCAN_ROWS);
    const lastRow = Math.ceil((this.virtualTop + this.viewHeight) / this.rowHeight) + OVERSCAN_ROWS;
    return [firstRow * columns, Math.min(this.pages.total, lastRow * columns)];
  }

  override willUpdate(): void {
    if (!this.pages) return;
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
    this.placeTiles();
    if (first < last && this.pages.get(first) && !this.reportedFirstTiles) {
      this.reportedFirstTiles = true;
      this.dispatchEvent(new CustomEvent('first-tiles', { detail: last - first }));
    }
  }

  /** Places the tiles through the CSSOM: the webview's content security policy refuses inline styles. */
  private placeTiles(): void {
    const columns = this.columns;
    for (const tile of (this.renderRoot as ShadowRoot).querySelectorAll<HTMLElement>('.tile')) {
      const position = Number(tile.dataset.pos);
      tile.style.left = `${GAP + (position % columns) * (this.tileSize + GAP)}px`;
      tile.style.top = `${GAP + Math.floor(position / columns) * this.rowHeight - this.space.offset}px`;
      tile.style.width = `${this.tileSize}px`;
      tile.style.height = `${this.tileSize + LABEL}px`;
    }
  }

  private tileTemplate(position: number, r: RecordView | undefined) {
    if (!r) return html`<div class="tile placeholder" data-pos=${position}>…</div>`;
    const state = recordState(r);
    const score = r.dsc?.score ?? r.ssc?.score;
    const click = (e: MouseEvent) => this.dispatchEvent(new CustomEvent<PositionClick>('tile-click', { detail: { position, range: e.shiftKey, toggle: e.ctrlKey || e.metaKey } }));
    return html`<div
      class="tile ${position === this.selected ? 'current' : ''} ${this.selection?.isMulti && this.selection.has(position) ? 'multi' : ''}"
      data-pos=${position}
      data-file=${r.fileName}
      title=${r.ssc?.text ?? r.fileName}
      @click=${click}
      @dblclick=${() => this.dispatchEvent(new CustomEvent<number>('open', { detail: position }))}
    >
      <div class="image">${r.thumb ? html`<img src=${r.thumb} alt="" loading="lazy" />` : nothing}</div>
      <div class="label">
        <span class="state ${state}" title=${state}></span>
        <span class="name">${r.fileName}</span>
        ${typeof score === 'number' ? html`<span class="score" title="alignment score${describeScore(score)}">${score.toFixed(2)}</span>` : nothing}
        <rc-defect-badges compact .flags=${r.flags}></rc-defect-badges>
      </div>
    </div>`;
  }

  override render() {
    if (!this.pages) return nothing;
    const [first, last] = this.visibleRange();
    const tiles = [];
    for (let p = first; p < last; p++) tiles.push(this.tileTemplate(p, this.pages.get(p)));
    return html`<div class="spacer">${tiles}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-grid': RecordGrid;
  }
}

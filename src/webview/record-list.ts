// The virtualized list of records: fixed-height rows, only the rows in view (plus a margin) exist in the
// DOM, pages load as they scroll into view, thumbnails are asked for once per row. The scroll space is
// paged (paged-scroll.ts), so a million rows fit under the browser's cap on an element's height.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { recordState, type RecordView } from '../shared/protocol.js';
import { thumbnailsToAsk, type RecordPages } from './record-pages.js';
import { PagedScrollSpace } from './paged-scroll.js';
import type { MultiSelection, PositionClick } from './multi-selection.js';
import './defect-badges.js';

export const ROW_HEIGHT = 56;
const OVERSCAN = 8;

const BADGE_LABEL: Record<ReturnType<typeof recordState>, string> = {
  uncaptioned: 'uncaptioned',
  machine: 'machine',
  edited: 'edited',
  approved: 'approved',
  rejected: 'rejected',
  error: 'error',
};

@customElement('rc-list')
export class RecordList extends LitElement {
  static override styles = css`
    :host { display: block; position: relative; overflow-y: auto; overflow-x: hidden; outline: none; }
    .spacer { position: relative; width: 100%; }
    .row { position: absolute; left: 0; right: 0; height: ${ROW_HEIGHT}px; box-sizing: border-box; display: flex; align-items: center; gap: 8px; padding: 4px 8px; cursor: pointer; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); }
    .row:hover { background: var(--vscode-list-hoverBackground); }
    .row.multi { background: var(--vscode-list-inactiveSelectionBackground); box-shadow: inset 3px 0 0 var(--vscode-focusBorder); }
    .row.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground); }
    :host(:focus-within) .row.selected, :host(:focus) .row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
    .thumb { width: 48px; height: 48px; flex: none; display: flex; align-items: center; justify-content: center; background: var(--vscode-editorWidget-background); }
    .thumb img { max-width: 48px; max-height: 48px; }
    .text { min-width: 0; flex: 1; display: flex; flex-direction: column; }
    .name, .snippet { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .snippet { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
    .badge { flex: none; font-size: 10px; padding: 1px 6px; border-radius: 8px; border: 1px solid var(--vscode-contrastBorder, transparent); }
    .badge.uncaptioned { color: var(--vscode-descriptionForeground); background: var(--vscode-editorWidget-background); }
    .badge.machine { color: var(--vscode-badge-foreground); background: var(--vscode-badge-background); }
    .badge.edited { color: var(--vscode-editor-background); background: var(--vscode-charts-blue); }
    .badge.approved { color: var(--vscode-editor-background); background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
    .badge.rejected { color: var(--vscode-editor-background); background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
    .badge.error { color: var(--vscode-inputValidation-errorForeground, var(--vscode-foreground)); background: var(--vscode-inputValidation-errorBackground); }
    .placeholder { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) pages!: RecordPages;
  @property({ type: Number }) selected = -1;
  @property({ attribute: false }) selection?: MultiSelection;
  /** Bumped by the app whenever pages change, to re-render. */
  @property({ type: Number }) version = 0;
  /** The list position (virtual pixels) at the top of the view. */
  private virtualTop = 0;
  private viewHeight = 600;
  private readonly space = new PagedScrollSpace();
  private readonly askedThumbs = new Set<string>();
  @query('.spacer') private spacer?: HTMLElement;

  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = 0;
    this.addEventListener('scroll', () => {
      this.space.layout(this.pages ? this.pages.total * ROW_HEIGHT : 0);
      this.apply(this.space.onScroll(this.scrollTop, this.clientHeight || this.viewHeight));
    });
    new ResizeObserver(() => {
      this.viewHeight = this.clientHeight;
      this.requestUpdate();
    }).observe(this);
  }

  /** Scrolls just enough to show `position`. */
  reveal(position: number): void {
    const top = position * ROW_HEIGHT;
    const view = this.clientHeight || this.viewHeight;
    let y: number;
    if (top < this.virtualTop) y = top;
    else if (top + ROW_HEIGHT > this.virtualTop + view) y = top + ROW_HEIGHT - view;
    else return;
    this.space.layout(this.pages.total * ROW_HEIGHT);
    this.apply(this.space.scrollToVirtual(y, view));
  }

  private apply(position: { virtualTop: number; scrollTop: number }): void {
    if (Math.abs(this.scrollTop - position.scrollTop) >= 1) this.scrollTop = position.scrollTop;
    this.virtualTop = position.virtualTop;
    this.requestUpdate();
  }

  /** Rows that fit in the view (for page up/down). */
  get rowsPerView(): number {
    return Math.max(1, Math.floor(this.viewHeight / ROW_HEIGHT));
  }

  private visibleRange(): [number, number] {
    const first = Math.max(0, Math.floor(this.virtualTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.pages.total, Math.ceil((this.virtualTop + this.viewHeight) / ROW_HEIGHT) + OVERSCAN);
    return [first, last];
  }

  override willUpdate(): void {
    if (!this.pages) return;
    // The list got shorter (a filter): stay inside it.
    const max = Math.max(0, this.pages.total * ROW_HEIGHT - this.viewHeight);
    if (this.virtualTop > max) {
      this.space.layout(this.pages.total * ROW_HEIGHT);
      const at = this.space.scrollToVirtual(max, this.viewHeight);
      this.virtualTop = at.virtualTop;
      if (Math.abs(this.scrollTop - at.scrollTop) >= 1) this.scrollTop = at.scrollTop;
    }
  }

  override updated(): void {
    if (this.spacer) this.spacer.style.height = `${this.space.layout(this.pages.total * ROW_HEIGHT)}px`;
    const [first, last] = this.visibleRange();
    this.pages.ensure(first, last);
    const missing = thumbnailsToAsk(this.pages, first, last, this.askedThumbs);
    if (missing.length > 0) this.dispatchEvent(new CustomEvent('need-thumbnails', { detail: missing }));
    this.querySelectorAllRows().forEach((row) => {
      row.style.top = `${Number(row.dataset.pos) * ROW_HEIGHT - this.space.offset}px`;
    });
    if (first < last && this.pages.get(first) && !this.reportedFirstRow) {
      this.reportedFirstRow = true;
      this.dispatchEvent(new CustomEvent('first-row', { detail: last - first }));
    }
  }

  private reportedFirstRow = false;

  private querySelectorAllRows(): HTMLElement[] {
    return [...(this.renderRoot as ShadowRoot).querySelectorAll<HTMLElement>('.row')];
  }

  private rowTemplate(position: number, r: RecordView | undefined) {
    if (!r) return html`<div class="row placeholder" data-pos=${position}>…</div>`;
    const state = recordState(r);
    const snippet = r.ssc?.text ?? r.dsc?.text ?? r.error ?? r.alt?.text ?? '';
    return html`<div
      class="row ${position === this.selected ? 'selected' : ''} ${this.selection?.isMulti && this.selection.has(position) ? 'multi' : ''}"
      data-pos=${position}
      data-file=${r.fileName}
      @click=${(e: MouseEvent) => this.dispatchEvent(new CustomEvent<PositionClick>('tile-click', { detail: { position, range: e.shiftKey, toggle: e.ctrlKey || e.metaKey } }))}
    >
      <div class="thumb">${r.thumb ? html`<img src=${r.thumb} alt="" loading="lazy" />` : nothing}</div>
      <div class="text"><span class="name">${r.fileName}</span><span class="snippet">${snippet}</span></div>
      <rc-defect-badges compact .flags=${r.flags}></rc-defect-badges>
      <span class="badge ${state}" title="state">${BADGE_LABEL[state]}</span>
    </div>`;
  }

  override render() {
    if (!this.pages) return nothing;
    const [first, last] = this.visibleRange();
    const rows = [];
    for (let p = first; p < last; p++) rows.push(this.rowTemplate(p, this.pages.get(p)));
    return html`<div class="spacer">${rows}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-list': RecordList;
  }
}

// <rc-grid>: the records as rows of fixed-size thumbnail tiles (record-scroller.ts virtualizes them), each
// with its review state, alignment score and defect flags. Double-click opens an image beside its captions.
import { html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { recordState, TILE_SIZE, type RecordView } from '../../shared/protocol.js';
import { describeScore } from './caption-labels.js';
import { RecordScroller, type Band } from './record-scroller.js';
import { LABEL_HEIGHT, rcGridStyles } from './rc-grid.styles.js';
import './rc-defect-badges.js';

const GAP = 6;
const OVERSCAN_ROWS = 2;

@customElement('rc-grid')
export class RcGrid extends RecordScroller {
  static override styles = [RecordScroller.scrollerStyles, rcGridStyles];
  protected readonly firstDrawnEvent = 'first-tiles';
  protected override revealMargin = GAP;

  @property({ type: Number }) tileSize: number = TILE_SIZE.default;
  private viewWidth = 800;

  protected override measure(): void {
    super.measure();
    this.viewWidth = this.clientWidth;
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
    return this.tileSize + LABEL_HEIGHT + GAP;
  }

  protected get virtualHeight(): number {
    return this.pages ? Math.ceil(this.pages.total / this.columns) * this.rowHeight + GAP : 0;
  }

  protected band(position: number): Band {
    return { top: Math.floor(position / this.columns) * this.rowHeight, height: this.rowHeight };
  }

  protected visibleRange(): [number, number] {
    const columns = this.columns;
    const firstRow = Math.max(0, Math.floor(this.virtualTop / this.rowHeight) - OVERSCAN_ROWS);
    const lastRow = Math.ceil((this.virtualTop + this.viewHeight) / this.rowHeight) + OVERSCAN_ROWS;
    return [firstRow * columns, Math.min(this.pages.total, lastRow * columns)];
  }

  protected place(tile: HTMLElement, position: number): void {
    const columns = this.columns;
    tile.style.left = `${GAP + (position % columns) * (this.tileSize + GAP)}px`;
    tile.style.top = `${GAP + Math.floor(position / columns) * this.rowHeight - this.space.offset}px`;
    tile.style.width = `${this.tileSize}px`;
    tile.style.height = `${this.tileSize + LABEL_HEIGHT}px`;
  }

  protected itemTemplate(position: number, r: RecordView | undefined) {
    if (!r) return html`<div class="tile placeholder" data-pos=${position}>…</div>`;
    const state = recordState(r);
    const score = r.dsc?.score ?? r.ssc?.score;
    return html`<div
      class="tile ${this.selectionClasses(position, 'current')}"
      data-pos=${position}
      data-file=${r.fileName}
      title=${r.ssc?.text ?? r.fileName}
      @click=${(e: MouseEvent) => this.clicked(position, e)}
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
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-grid': RcGrid;
  }
}

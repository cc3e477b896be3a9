// <rc-list>: the records as fixed-height rows (record-scroller.ts virtualizes them): thumbnail, name, a
// snippet of the captions, defect flags and the review state.
import { html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { recordState, type RecordView } from '../../shared/protocol.js';
import { RecordScroller, type Band } from './record-scroller.js';
import { ROW_HEIGHT, rcListStyles } from './rc-list.styles.js';
import './rc-defect-badges.js';

const OVERSCAN = 8;

@customElement('rc-list')
export class RcList extends RecordScroller {
  static override styles = [RecordScroller.scrollerStyles, rcListStyles];
  protected readonly firstDrawnEvent = 'first-row';

  /** Rows that fit in the view (for page up/down). */
  get rowsPerView(): number {
    return Math.max(1, Math.floor(this.viewHeight / ROW_HEIGHT));
  }

  protected get virtualHeight(): number {
    return this.pages ? this.pages.total * ROW_HEIGHT : 0;
  }

  protected band(position: number): Band {
    return { top: position * ROW_HEIGHT, height: ROW_HEIGHT };
  }

  protected visibleRange(): [number, number] {
    const first = Math.max(0, Math.floor(this.virtualTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.pages.total, Math.ceil((this.virtualTop + this.viewHeight) / ROW_HEIGHT) + OVERSCAN);
    return [first, last];
  }

  protected place(row: HTMLElement, position: number): void {
    row.style.top = `${position * ROW_HEIGHT - this.space.offset}px`;
  }

  protected itemTemplate(position: number, r: RecordView | undefined) {
    if (!r) return html`<div class="row placeholder" data-pos=${position}>…</div>`;
    const state = recordState(r);
    const snippet = r.ssc?.text ?? r.dsc?.text ?? r.error ?? r.alt?.text ?? '';
    return html`<div class="row ${this.selectionClasses(position, 'selected')}" data-pos=${position} data-file=${r.fileName} @click=${(e: MouseEvent) => this.clicked(position, e)}>
      <div class="thumb">${r.thumb ? html`<img src=${r.thumb} alt="" loading="lazy" />` : nothing}</div>
      <div class="text"><span class="name">${r.fileName}</span><span class="snippet">${snippet}</span></div>
      <rc-defect-badges compact .flags=${r.flags}></rc-defect-badges>
      <span class="badge ${state}" title="state">${state}</span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-list': RcList;
  }
}

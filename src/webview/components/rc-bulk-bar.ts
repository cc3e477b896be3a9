// <rc-bulk-bar>: what can be done to several selected images at once, each as one undoable edit: review
// their captions, upsample them, or let go of the selection. Empty with one image (or none) selected.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import type { ToolbarCommand } from '../../shared/protocol.js';
import { emit } from './emit.js';

/** A bulk review the bar asks for. */
export interface BulkReview {
  kinds: CaptionKind[];
  review: ReviewState;
}

const BOTH: CaptionKind[] = ['ssc', 'dsc'];

@customElement('rc-bulk-bar')
export class RcBulkBar extends LitElement {
  static override styles = css`
    :host { display: block; }
    .bulk { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 4px 8px; background: var(--vscode-editorWidget-background); border-bottom: 1px solid var(--vscode-focusBorder); }
    .count { font-weight: 600; margin-right: 6px; }
  `;

  /** Images selected; the bar shows from two. */
  @property({ type: Number }) count = 0;

  private review(kinds: CaptionKind[], review: ReviewState): void {
    emit<BulkReview>(this, 'bulk-review', { kinds, review });
  }

  override render() {
    if (this.count < 2) return nothing;
    return html`<div class="bulk" role="toolbar" aria-label="Selection" data-role="bulk">
      <span class="count" data-role="selection-count">${this.count} selected</span>
      <vscode-button id="bulk-approve" @click=${() => this.review(BOTH, 'approved')} title="Approve both captions of the selected images (a)">Approve</vscode-button>
      <vscode-button secondary @click=${() => this.review(BOTH, 'rejected')} title="Reject both captions (x)">Reject</vscode-button>
      <vscode-button secondary @click=${() => this.review(['ssc'], 'approved')} title="Approve the SSCs (1)">Approve SSC</vscode-button>
      <vscode-button secondary @click=${() => this.review(['dsc'], 'approved')} title="Approve the DSCs (2)">Approve DSC</vscode-button>
      <vscode-button secondary @click=${() => this.review(BOTH, null)} title="Clear the reviews (u)">Clear review</vscode-button>
      <vscode-button secondary @click=${() => emit<ToolbarCommand>(this, 'command', 'recaption.upsample')} title="Upsample the selected images' DSCs">Upsample…</vscode-button>
      <vscode-button secondary @click=${() => emit(this, 'clear-selection', null)} title="Clear the selection (Escape)">Clear selection</vscode-button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-bulk-bar': RcBulkBar;
  }
}

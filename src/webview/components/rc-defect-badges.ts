// <rc-defect-badges>: a record's defect flags (src/shared/defect-flags.ts). Compact, in a list row: one
// chip with the count, the labels in its tooltip. Full, in the detail pane: one chip per flag.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { DEFECT_FLAG_LABELS, type DefectFlag } from '../../shared/defect-flags.js';

@customElement('rc-defect-badges')
export class RcDefectBadges extends LitElement {
  static override styles = css`
    :host { display: inline-flex; flex-wrap: wrap; gap: 4px; }
    .chip {
      font-size: 10px;
      padding: 1px 6px;
      border-radius: 8px;
      color: var(--vscode-editorWarning-foreground, #cca700);
      border: 1px solid var(--vscode-editorWarning-foreground, #cca700);
      background: var(--vscode-editorWidget-background, transparent);
      white-space: nowrap;
    }
  `;

  @property({ attribute: false }) flags: readonly DefectFlag[] = [];
  /** One chip with the count (rows) instead of one per flag (the detail pane). */
  @property({ type: Boolean }) compact = false;

  override render() {
    if (this.flags.length === 0) return nothing;
    const labels = this.flags.map((f) => DEFECT_FLAG_LABELS[f]);
    if (this.compact) return html`<span class="chip" data-role="flag-count" title=${labels.join('\n')}>⚑ ${this.flags.length}</span>`;
    return this.flags.map((f) => html`<span class="chip" data-flag=${f}>${DEFECT_FLAG_LABELS[f]}</span>`);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-defect-badges': RcDefectBadges;
  }
}

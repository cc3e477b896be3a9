// <rc-record-detail>: the image shown, beside the list: its file, size and state, defect flags, error and
// alt-text, then its two captions (<rc-caption-field>).
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { recordState, type RecordView } from '../../shared/protocol.js';
import type { CaptionKind } from '../../shared/record.js';
import { describeScore } from './caption-labels.js';
import { fieldStyles } from './field.styles.js';
import './rc-caption-field.js';
import './rc-defect-badges.js';

@customElement('rc-record-detail')
export class RcRecordDetail extends LitElement {
  static override styles = [
    fieldStyles,
    css`
      :host { display: flex; flex-direction: column; gap: 10px; padding: 8px; overflow-y: auto; border-left: 1px solid var(--vscode-panel-border, transparent); }
      .alt { white-space: pre-wrap; padding: 4px 6px; background: var(--vscode-textBlockQuote-background); border-left: 3px solid var(--vscode-textBlockQuote-border); }
      .error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
      .empty { padding: 16px; color: var(--vscode-descriptionForeground); }
    `,
  ];

  @property({ attribute: false }) record: RecordView | undefined;
  /** Said when there is no record to show. */
  @property() placeholder = 'Loading…';
  /** What was typed into the record's captions and not yet sent. */
  @property({ attribute: false }) drafts: Partial<Record<CaptionKind, string>> = {};
  @property({ type: Boolean }) showOriginal = false;
  /** Bumped by the app on every change of pages or selection. */
  @property({ type: Number }) version = 0;

  /** A caption field takes the keyboard. */
  focusField(kind: CaptionKind): void {
    for (const field of this.renderRoot.querySelectorAll('rc-caption-field')) if (field.kind === kind) field.focusText();
  }

  private captionField(r: RecordView, kind: CaptionKind) {
    return html`<rc-caption-field
      .kind=${kind}
      .fileName=${r.fileName}
      .caption=${r[kind]}
      .draft=${this.drafts[kind]}
      .showOriginal=${this.showOriginal}
      .version=${this.version}
    ></rc-caption-field>`;
  }

  override render() {
    const r = this.record;
    if (!r) return html`<div class="empty">${this.placeholder}</div>`;
    return html`
      <div class="field">
        <label>File <span class="meta">${r.width ?? '?'}×${r.height ?? '?'} · ${recordState(r)}</span></label>
        <div data-role="file-name">${r.fileName}${r.missing ? ' (missing on disk)' : ''}</div>
        <rc-defect-badges data-role="flags" .flags=${r.flags}></rc-defect-badges>
      </div>
      ${r.error ? html`<div class="error" data-role="error">Error: ${r.error}</div>` : nothing}
      <div class="field">
        <label>Alt-text <span class="meta">${r.alt ? `from ${r.alt.source}${describeScore(r.alt.score)}` : 'none'}</span></label>
        ${r.alt ? html`<div class="alt" data-role="alt">${r.alt.text}</div>` : nothing}
      </div>
      ${this.captionField(r, 'ssc')} ${this.captionField(r, 'dsc')}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-record-detail': RcRecordDetail;
  }
}

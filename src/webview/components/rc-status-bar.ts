// <rc-status-bar>: the editor's footer: the latest notice (a result, a warning, an error) and the keys
// worth knowing.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { FOOTER_HINTS } from '../state/shortcuts.js';
import type { Notice } from '../state/editor-controller.js';
import { kbdStyles } from './kbd.styles.js';

@customElement('rc-status-bar')
export class RcStatusBar extends LitElement {
  static override styles = [
    kbdStyles,
    css`
      :host { display: block; border-top: 1px solid var(--vscode-panel-border, transparent); }
      footer { display: flex; flex-wrap: wrap; gap: 4px 12px; padding: 3px 8px; font-size: 0.85em; color: var(--vscode-descriptionForeground); }
      .notice { padding: 2px 8px; }
      .notice.error { color: var(--vscode-errorForeground); }
      .notice.warning { color: var(--vscode-editorWarning-foreground); }
    `,
  ];

  @property({ attribute: false }) notice: Notice | null = null;

  override render() {
    return html`<footer>
      ${this.notice ? html`<span class="notice ${this.notice.level}" data-role="notice">${this.notice.message}</span>` : nothing}
      ${FOOTER_HINTS.map((h) => html`<span><kbd>${h.key}</kbd> ${h.label}</span>`)}
    </footer>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-status-bar': RcStatusBar;
  }
}

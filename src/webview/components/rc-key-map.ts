// <rc-key-map>: every shortcut of the editor, as the keymap (state/shortcuts.ts) has them: the keys outside a
// text field, the chords in a caption, and the multi-selection's.
import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { FIELD_KEYS, LIST_KEYS, SELECTION_KEYS, chordLabel } from '../state/shortcuts.js';
import { kbdStyles } from './kbd.styles.js';

@customElement('rc-key-map')
export class RcKeyMap extends LitElement {
  static override styles = [
    kbdStyles,
    css`
      :host { position: absolute; right: 16px; top: 48px; z-index: 10; max-height: 80vh; overflow: auto; padding: 8px 12px; background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-contrastBorder)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); }
      table { border-collapse: collapse; }
      td { padding: 2px 8px; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('role', 'dialog');
    this.setAttribute('aria-label', 'Keyboard shortcuts');
  }

  override render() {
    return html`<table>
      ${LIST_KEYS.map((k) => html`<tr><td>${k.keys.map((key) => html`<kbd>${key}</kbd> `)}</td><td>${k.label}</td></tr>`)}
      ${FIELD_KEYS.map((k) => html`<tr><td><kbd>${chordLabel(k.chord)}</kbd> in a caption</td><td>${k.label}</td></tr>`)}
      ${SELECTION_KEYS.map((k) => html`<tr><td><kbd>${k.keys}</kbd></td><td>${k.label}</td></tr>`)}
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-key-map': RcKeyMap;
  }
}

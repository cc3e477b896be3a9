// Find & replace across the captions the current filter shows (or the multi-selection within it): preview first, then apply as one edit.
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ReplaceChange, ReplaceSpec } from '../shared/protocol.js';
import type { CaptionKind } from '../shared/record.js';
import { PreviewApplyPanel, type ChangePreview } from './preview-apply-panel.js';

interface ValueElement extends HTMLElement {
  value: string;
  checked?: boolean;
}

@customElement('rc-find-replace')
export class FindReplace extends PreviewApplyPanel<ReplaceChange> {
  static override styles = [
    PreviewApplyPanel.panelStyles,
    css`
      .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
      vscode-textfield { flex: 1; min-width: 160px; }
    `,
  ];

  @state() private find = '';
  @state() private replace = '';
  @state() private regex = false;
  @state() private caseSensitive = false;
  @state() private fields: CaptionKind[] = ['ssc', 'dsc'];

  private spec(): ReplaceSpec {
    return { query: this.query, ranges: this.ranges, find: this.find, replace: this.replace, regex: this.regex, caseSensitive: this.caseSensitive, fields: this.fields };
  }

  protected fetchPreview(): Promise<ChangePreview<ReplaceChange>> {
    return this.channel.request('previewReplace', this.spec());
  }

  protected sendApply(timeoutMs: number): Promise<{ changed: number }> {
    return this.channel.request('applyReplace', this.spec(), timeoutMs);
  }


  private toggleField(kind: CaptionKind, on: boolean): void {
    this.fields = on ? [...new Set([...this.fields, kind])] : this.fields.filter((k) => k !== kind);
    this.preview = null;
  }

  override render() {
    const v = (e: Event): string => (e.target as ValueElement).value;
    const p = this.preview;
    return html`
      <div class="row"><strong>Find &amp; replace</strong><span class="meta" data-role="scope">${this.scopeLabel()}</span></div>
      <div class="row">
        <vscode-textfield id="find" placeholder="Find" .value=${this.find} @input=${(e: Event) => ((this.find = v(e)), (this.preview = null))}></vscode-textfield>
        <vscode-checkbox title="Regular expression" .checked=${this.regex} @change=${(e: Event) => ((this.regex = (e.target as ValueElement).checked === true), (this.preview = null))}>.*</vscode-checkbox>
        <vscode-checkbox title="Match case" .checked=${this.caseSensitive} @change=${(e: Event) => ((this.caseSensitive = (e.target as ValueElement).checked === true), (this.preview = null))}>Aa</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-textfield id="replace" placeholder="Replace with${this.regex ? ' ($1 for groups)' : ''}" .value=${this.replace} @input=${(e: Event) => ((this.replace = v(e)), (this.preview = null))}></vscode-textfield>
        <vscode-checkbox .checked=${this.fields.includes('ssc')} @change=${(e: Event) => this.toggleField('ssc', (e.target as ValueElement).checked === true)}>SSC</vscode-checkbox>
        <vscode-checkbox .checked=${this.fields.includes('dsc')} @change=${(e: Event) => this.toggleField('dsc', (e.target as ValueElement).checked === true)}>DSC</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-button ?disabled=${this.busy || this.find === ''} @click=${() => void this.runPreview()}>Preview</vscode-button>
        <vscode-button ?disabled=${this.busy || !p || p.total === 0} @click=${() => void this.apply()}>Replace ${p ? p.total : ''}</vscode-button>
        <vscode-button secondary @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</vscode-button>
      </div>
      ${p?.error ? html`<div class="error">${p.error}</div>` : nothing}
      ${p && !p.error
        ? html`<div class="meta">${p.total} caption(s) would change${p.total > p.changes.length ? `; the first ${p.changes.length} are shown` : ''}.</div>
            <div class="changes">
              ${p.changes.map(
                (c) => html`<div class="change"><div class="meta">${c.fileName} · ${c.kind.toUpperCase()}</div><div class="before">${c.before}</div><div class="after">${c.after}</div></div>`,
              )}
            </div>`
        : nothing}
    `;
  }
}

// Find & replace across the captions the current filter shows: preview first, then apply as one edit.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { RecordQuery, ReplaceChange, ReplaceSpec } from '../shared/protocol.js';
import type { CaptionKind } from '../shared/record.js';
import type { WebviewChannel } from './rpc.js';

interface ValueElement extends HTMLElement {
  value: string;
  checked?: boolean;
}

@customElement('rc-find-replace')
export class FindReplace extends LitElement {
  static override styles = css`
    :host { position: absolute; right: 16px; top: 84px; z-index: 9; width: min(640px, 90vw); max-height: 70vh; display: flex; flex-direction: column; gap: 6px; padding: 8px; background: var(--vscode-editorWidget-background); color: var(--vscode-editorWidget-foreground, var(--vscode-foreground)); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-contrastBorder)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); }
    .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
    vscode-textfield { flex: 1; min-width: 160px; }
    .changes { overflow: auto; font-size: 0.9em; }
    .change { padding: 3px 0; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    .before { color: var(--vscode-descriptionForeground); text-decoration: line-through; }
    .after { color: var(--vscode-foreground); }
    .error { color: var(--vscode-errorForeground); }
    .meta { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) channel!: WebviewChannel;
  @property({ attribute: false }) query!: RecordQuery;
  @state() private find = '';
  @state() private replace = '';
  @state() private regex = false;
  @state() private caseSensitive = false;
  @state() private fields: CaptionKind[] = ['ssc', 'dsc'];
  @state() private preview: { total: number; changes: ReplaceChange[]; error: string | null } | null = null;
  @state() private busy = false;

  private spec(): ReplaceSpec {
    return { query: this.query, find: this.find, replace: this.replace, regex: this.regex, caseSensitive: this.caseSensitive, fields: this.fields };
  }

  private async runPreview(): Promise<void> {
    this.busy = true;
    try {
      this.preview = await this.channel.request('previewReplace', this.spec());
    } catch (err) {
      this.preview = { total: 0, changes: [], error: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }

  private async apply(): Promise<void> {
    this.busy = true;
    try {
      const { changed } = await this.channel.request('applyReplace', this.spec(), 120_000);
      this.dispatchEvent(new CustomEvent('applied', { detail: changed, bubbles: true, composed: true }));
      this.preview = null;
    } catch (err) {
      this.preview = { total: 0, changes: [], error: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }

  private toggleField(kind: CaptionKind, on: boolean): void {
    this.fields = on ? [...new Set([...this.fields, kind])] : this.fields.filter((k) => k !== kind);
    this.preview = null;
  }

  override render() {
    const v = (e: Event): string => (e.target as ValueElement).value;
    const p = this.preview;
    return html`
      <div class="row"><strong>Find &amp; replace</strong><span class="meta">in the images the filter shows</span></div>
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

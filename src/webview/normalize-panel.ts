// Normalize captions: the captioner's habits the report points at (a stock opening, a stock closing
// sentence, the trailing period), over the images the filter shows (or the multi-selection). Preview first, then one undoable edit.
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { NormalizeChange, NormalizeSpec } from '../shared/protocol.js';
import type { CaptionKind } from '../shared/record.js';
import { PreviewApplyPanel, type ChangePreview } from './preview-apply-panel.js';

interface ValueElement extends HTMLElement {
  value: string;
  checked?: boolean;
}

type PeriodChoice = 'keep' | 'add' | 'remove';

@customElement('rc-normalize')
export class NormalizePanel extends PreviewApplyPanel<NormalizeChange> {
  static override styles = [
    PreviewApplyPanel.panelStyles,
    css`
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      vscode-single-select { width: 170px; }
    `,
  ];

  @state() private stripOpening = true;
  @state() private cutClosing = false;
  @state() private period: PeriodChoice = 'keep';
  @state() private fields: CaptionKind[] = ['ssc', 'dsc'];
  @state() private includeProtected = false;

  private spec(): NormalizeSpec {
    return {
      query: this.query,
      ranges: this.ranges,
      stripOpening: this.stripOpening,
      cutClosing: this.cutClosing,
      trailingPeriod: this.period === 'keep' ? null : this.period,
      fields: this.fields,
      includeProtected: this.includeProtected,
    };
  }

  private get nothingChosen(): boolean {
    return (!this.stripOpening && !this.cutClosing && this.period === 'keep') || this.fields.length === 0;
  }

  protected fetchPreview(): Promise<ChangePreview<NormalizeChange>> {
    return this.channel.request('previewNormalize', this.spec());
  }

  protected sendApply(timeoutMs: number): Promise<{ changed: number }> {
    return this.channel.request('applyNormalize', this.spec(), timeoutMs);
  }


  /** Any change of the choices makes the preview stale. */
  private set(key: 'stripOpening' | 'cutClosing' | 'includeProtected', e: Event): void {
    const on = (e.target as ValueElement).checked === true;
    if (key === 'stripOpening') this.stripOpening = on;
    else if (key === 'cutClosing') this.cutClosing = on;
    else this.includeProtected = on;
    this.preview = null;
  }

  private toggleField(kind: CaptionKind, on: boolean): void {
    this.fields = on ? [...new Set([...this.fields, kind])] : this.fields.filter((k) => k !== kind);
    this.preview = null;
  }

  override render() {
    const p = this.preview;
    return html`
      <div class="row"><strong>Normalize captions</strong><span class="meta" data-role="scope">${this.scopeLabel()}</span></div>
      <div class="row">
        <vscode-checkbox id="norm-opening" .checked=${this.stripOpening} @change=${(e: Event) => this.set('stripOpening', e)}>Strip a stock opening ("The image shows", "This is")</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-checkbox id="norm-closing" .checked=${this.cutClosing} @change=${(e: Event) => this.set('cutClosing', e)}>Cut a stock closing sentence ("Overall, …", "The mood is …")</vscode-checkbox>
      </div>
      <div class="row">
        <span>Trailing period</span>
        <vscode-single-select id="norm-period" .value=${this.period} @change=${(e: Event) => ((this.period = (e.target as ValueElement).value as PeriodChoice), (this.preview = null))}>
          <vscode-option value="keep">leave as it is</vscode-option>
          <vscode-option value="add">end every caption with one</vscode-option>
          <vscode-option value="remove">remove it</vscode-option>
        </vscode-single-select>
      </div>
      <div class="row">
        <vscode-checkbox .checked=${this.fields.includes('ssc')} @change=${(e: Event) => this.toggleField('ssc', (e.target as ValueElement).checked === true)}>SSC</vscode-checkbox>
        <vscode-checkbox .checked=${this.fields.includes('dsc')} @change=${(e: Event) => this.toggleField('dsc', (e.target as ValueElement).checked === true)}>DSC</vscode-checkbox>
        <vscode-checkbox title="Captions a person wrote or reviewed are left alone unless this is ticked" .checked=${this.includeProtected} @change=${(e: Event) => this.set('includeProtected', e)}>Also human-written or reviewed</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-button id="norm-preview" ?disabled=${this.busy || this.nothingChosen} @click=${() => void this.runPreview()}>Preview</vscode-button>
        <vscode-button id="norm-apply" ?disabled=${this.busy || !p || p.total === 0} @click=${() => void this.apply()}>Apply to ${p ? p.total : ''}</vscode-button>
        <vscode-button secondary @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</vscode-button>
      </div>
      ${p?.error ? html`<div class="error">${p.error}</div>` : nothing}
      ${p && !p.error
        ? html`<div class="meta" data-role="normalize-summary">${p.total} caption(s) would change${p.total > p.changes.length ? `; the first ${p.changes.length} are shown` : ''}. Applied captions count as your edits.</div>
            <div class="changes">
              ${p.changes.map(
                (c) => html`<div class="change"><div class="meta">${c.fileName} · ${c.kind.toUpperCase()}${c.protected ? ' · human' : ''}</div><div class="before">${c.before}</div><div class="after">${c.after}</div></div>`,
              )}
            </div>`
        : nothing}
    `;
  }
}

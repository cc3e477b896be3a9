// <rc-normalize>: normalize captions: the captioner's habits the report points at (a stock opening, a stock
// closing sentence, the trailing period), over the images the filter shows (or the multi-selection).
// Preview first, then one undoable edit (the frame is preview-apply-panel.ts).
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { NormalizeChange, NormalizeSpec } from '../../shared/protocol.js';
import { PreviewApplyPanel, type ChangePreview, type PanelLabels } from './preview-apply-panel.js';
import { checkedOf, valueOf } from './form-values.js';

type PeriodChoice = 'keep' | 'add' | 'remove';

@customElement('rc-normalize')
export class RcNormalize extends PreviewApplyPanel<NormalizeChange> {
  static override styles = [PreviewApplyPanel.panelStyles, css`.row { gap: 8px; } vscode-single-select { width: 170px; }`];

  protected readonly labels: PanelLabels = {
    heading: 'Normalize captions',
    apply: 'Apply to',
    previewId: 'norm-preview',
    applyId: 'norm-apply',
    summaryRole: 'normalize-summary',
    summaryNote: ' Applied captions count as your edits.',
  };

  @state() private stripOpening = true;
  @state() private cutClosing = false;
  @state() private period: PeriodChoice = 'keep';
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

  protected get canPreview(): boolean {
    return (this.stripOpening || this.cutClosing || this.period !== 'keep') && this.fields.length > 0;
  }

  protected fetchPreview(): Promise<ChangePreview<NormalizeChange>> {
    return this.channel.request('previewNormalize', this.spec());
  }

  protected sendApply(timeoutMs: number): Promise<{ changed: number }> {
    return this.channel.request('applyNormalize', this.spec(), timeoutMs);
  }

  protected override changeLabel(c: NormalizeChange): string {
    return `${super.changeLabel(c)}${c.protected ? ' · human' : ''}`;
  }

  /** Any change of the choices makes the preview stale. */
  private set(key: 'stripOpening' | 'cutClosing' | 'includeProtected', e: Event): void {
    const on = checkedOf(e);
    if (key === 'stripOpening') this.stripOpening = on;
    else if (key === 'cutClosing') this.cutClosing = on;
    else this.includeProtected = on;
    this.preview = null;
  }

  protected optionsTemplate() {
    return html`<div class="row">
        <vscode-checkbox id="norm-opening" .checked=${this.stripOpening} @change=${(e: Event) => this.set('stripOpening', e)}>Strip a stock opening ("The image shows", "This is")</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-checkbox id="norm-closing" .checked=${this.cutClosing} @change=${(e: Event) => this.set('cutClosing', e)}>Cut a stock closing sentence ("Overall, …", "The mood is …")</vscode-checkbox>
      </div>
      <div class="row">
        <span>Trailing period</span>
        <vscode-single-select id="norm-period" .value=${this.period} @change=${(e: Event) => ((this.period = valueOf(e) as PeriodChoice), (this.preview = null))}>
          <vscode-option value="keep">leave as it is</vscode-option>
          <vscode-option value="add">end every caption with one</vscode-option>
          <vscode-option value="remove">remove it</vscode-option>
        </vscode-single-select>
      </div>
      <div class="row">
        ${this.fieldToggles()}
        <vscode-checkbox title="Captions a person wrote or reviewed are left alone unless this is ticked" .checked=${this.includeProtected} @change=${(e: Event) => this.set('includeProtected', e)}>Also human-written or reviewed</vscode-checkbox>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-normalize': RcNormalize;
  }
}

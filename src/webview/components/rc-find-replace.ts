// <rc-find-replace>: find & replace across the captions the current filter shows (or the multi-selection
// within it): preview first, then apply as one edit (the frame is preview-apply-panel.ts).
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ReplaceChange, ReplaceSpec } from '../../shared/protocol.js';
import { PreviewApplyPanel, type ChangePreview, type PanelLabels } from './preview-apply-panel.js';
import { checkedOf, valueOf } from './form-values.js';

@customElement('rc-find-replace')
export class RcFindReplace extends PreviewApplyPanel<ReplaceChange> {
  static override styles = [PreviewApplyPanel.panelStyles, css`vscode-textfield { flex: 1; min-width: 160px; }`];

  protected readonly labels: PanelLabels = {
    heading: 'Find & replace',
    apply: 'Replace',
    previewId: 'replace-preview',
    applyId: 'replace-apply',
    summaryRole: 'replace-summary',
    summaryNote: '',
  };

  @state() private find = '';
  @state() private replace = '';
  @state() private regex = false;
  @state() private caseSensitive = false;

  private spec(): ReplaceSpec {
    return { query: this.query, ranges: this.ranges, find: this.find, replace: this.replace, regex: this.regex, caseSensitive: this.caseSensitive, fields: this.fields };
  }

  protected get canPreview(): boolean {
    return this.find !== '';
  }

  protected fetchPreview(): Promise<ChangePreview<ReplaceChange>> {
    return this.channel.request('previewReplace', this.spec());
  }

  protected sendApply(timeoutMs: number): Promise<{ changed: number }> {
    return this.channel.request('applyReplace', this.spec(), timeoutMs);
  }

  protected optionsTemplate() {
    return html`<div class="row">
        <vscode-textfield id="find" placeholder="Find" .value=${this.find} @input=${(e: Event) => ((this.find = valueOf(e)), (this.preview = null))}></vscode-textfield>
        <vscode-checkbox title="Regular expression" .checked=${this.regex} @change=${(e: Event) => ((this.regex = checkedOf(e)), (this.preview = null))}>.*</vscode-checkbox>
        <vscode-checkbox title="Match case" .checked=${this.caseSensitive} @change=${(e: Event) => ((this.caseSensitive = checkedOf(e)), (this.preview = null))}>Aa</vscode-checkbox>
      </div>
      <div class="row">
        <vscode-textfield id="replace" placeholder="Replace with${this.regex ? ' ($1 for groups)' : ''}" .value=${this.replace} @input=${(e: Event) => ((this.replace = valueOf(e)), (this.preview = null))}></vscode-textfield>
        ${this.fieldToggles()}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-find-replace': RcFindReplace;
  }
}

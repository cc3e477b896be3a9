// <rc-filter-bar>: the filters over the records (review, author, field, errors, defect flags, order,
// caption length, text) and the buttons that open the bulk-edit panels. It only says what changed: the
// state controller fetches the new result once typing pauses.
import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { EMPTY_QUERY, type RecordQuery } from '../../shared/protocol.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../../shared/defect-flags.js';
import { REVIEW_ORDER_LABELS, REVIEW_ORDERS } from '../../shared/record-query.js';
import type { Panel } from '../state/editor-controller.js';
import { checkedOf, valueOf } from './form-values.js';
import { emit } from './emit.js';

/** A length typed into a filter: a whole number of characters, or no limit. */
function lengthOrNull(value: string): number | null {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

@customElement('rc-filter-bar')
export class RcFilterBar extends LitElement {
  static override styles = css`
    :host { display: block; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    .filters { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 4px 8px; }
    vscode-textfield { width: 200px; }
    vscode-single-select { width: 140px; }
    .len { width: 90px; }
  `;

  @property({ attribute: false }) query: RecordQuery = EMPTY_QUERY;
  @query('#filter-text') private textField?: HTMLElement;

  /** The text filter takes the keyboard (the / key). */
  focusText(): void {
    this.textField?.focus();
  }

  private set(patch: Partial<RecordQuery>): void {
    emit(this, 'query-change', patch);
  }

  private togglePanel(panel: Panel): void {
    emit(this, 'toggle-panel', panel);
  }

  override render() {
    const q = this.query;
    return html`<div class="filters" role="search">
      <vscode-single-select id="filter-review" title="Review state" .value=${q.review} @change=${(e: Event) => this.set({ review: valueOf(e) as RecordQuery['review'] })}>
        <vscode-option value="any">any review</vscode-option>
        <vscode-option value="unreviewed">unreviewed</vscode-option>
        <vscode-option value="approved">approved</vscode-option>
        <vscode-option value="rejected">rejected</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-author" title="Written by" .value=${q.author} @change=${(e: Event) => this.set({ author: valueOf(e) as RecordQuery['author'] })}>
        <vscode-option value="any">any author</vscode-option>
        <vscode-option value="model">model</vscode-option>
        <vscode-option value="human">human</vscode-option>
        <vscode-option value="import">import</vscode-option>
        <vscode-option value="upsample">upsample</vscode-option>
        <vscode-option value="none">no caption</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-field" title="Which caption the filters look at" .value=${q.field} @change=${(e: Event) => this.set({ field: valueOf(e) as RecordQuery['field'] })}>
        <vscode-option value="any">any field</vscode-option>
        <vscode-option value="ssc">SSC</vscode-option>
        <vscode-option value="dsc">DSC</vscode-option>
        <vscode-option value="alt">alt-text</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-error" title="Errors" .value=${q.error === null ? 'any' : q.error ? 'yes' : 'no'} @change=${(e: Event) => {
        const v = valueOf(e);
        this.set({ error: v === 'any' ? null : v === 'yes' });
      }}>
        <vscode-option value="any">errors or not</vscode-option>
        <vscode-option value="yes">with error</vscode-option>
        <vscode-option value="no">without error</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-flag" title="Defect flags (computed without a model)" .value=${q.flag} @change=${(e: Event) => this.set({ flag: valueOf(e) as RecordQuery['flag'] })}>
        <vscode-option value="any">flagged or not</vscode-option>
        <vscode-option value="flagged">any defect flag</vscode-option>
        ${DEFECT_FLAGS.map((f) => html`<vscode-option value=${f}>${DEFECT_FLAG_LABELS[f]}</vscode-option>`)}
      </vscode-single-select>
      <vscode-single-select id="filter-order" title="The order of the list; next unreviewed (n) follows it" .value=${q.order} @change=${(e: Event) => this.set({ order: valueOf(e) as RecordQuery['order'] })}>
        ${REVIEW_ORDERS.map((o) => html`<vscode-option value=${o}>${REVIEW_ORDER_LABELS[o]}</vscode-option>`)}
      </vscode-single-select>
      <vscode-textfield class="len" type="number" placeholder="min len" title="Minimum caption length" .value=${q.minLength?.toString() ?? ''} @input=${(e: Event) => this.set({ minLength: lengthOrNull(valueOf(e)) })}></vscode-textfield>
      <vscode-textfield class="len" type="number" placeholder="max len" title="Maximum caption length" .value=${q.maxLength?.toString() ?? ''} @input=${(e: Event) => this.set({ maxLength: lengthOrNull(valueOf(e)) })}></vscode-textfield>
      <vscode-textfield id="filter-text" placeholder="Filter text (/)" .value=${q.text} @input=${(e: Event) => this.set({ text: valueOf(e) })}></vscode-textfield>
      <vscode-checkbox id="filter-duplicates" title="Only images with a duplicate (same bytes, or a near-identical perceptual hash)" .checked=${q.duplicates} @change=${(e: Event) => this.set({ duplicates: checkedOf(e) })}>has duplicates</vscode-checkbox>
      <vscode-checkbox title="Regular expression" .checked=${q.regex} @change=${(e: Event) => this.set({ regex: checkedOf(e) })}>.*</vscode-checkbox>
      <vscode-checkbox title="Match case" .checked=${q.caseSensitive} @change=${(e: Event) => this.set({ caseSensitive: checkedOf(e) })}>Aa</vscode-checkbox>
      <vscode-button secondary @click=${() => this.set({ ...EMPTY_QUERY })}>Clear filters</vscode-button>
      <vscode-button secondary @click=${() => this.togglePanel('replace')}>Find &amp; replace</vscode-button>
      <vscode-button id="open-normalize" secondary title="Strip stock openings and closings, unify the trailing period: preview, then one undoable edit" @click=${() => this.togglePanel('normalize')}>Normalize…</vscode-button>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-filter-bar': RcFilterBar;
  }
}

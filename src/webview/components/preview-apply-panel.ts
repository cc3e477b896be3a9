// The frame both bulk-edit panels share (<rc-find-replace>, <rc-normalize>): a floating widget with a head
// that says where it acts, the panel's own options, Preview / Apply / Close, and the preview's changes. It
// asks the host for a preview over the images the filter shows (or the multi-selection), then applies the
// changes as one undoable edit.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { RecordQuery, ReplaceChange } from '../../shared/protocol.js';
import { BULK_REQUEST_TIMEOUT_MS } from '../../shared/protocol.js';
import type { CaptionKind } from '../../shared/record.js';
import { RangeSet, sameRanges, type Range } from '../../shared/range-set.js';
import type { EditorChannel } from '../state/rpc.js';
import { checkedOf } from './form-values.js';

export interface ChangePreview<Change> {
  total: number;
  changes: Change[];
  error: string | null;
}

/** The words and ids that tell one panel from the other. */
export interface PanelLabels {
  heading: string;
  /** The apply button's label, before the count. */
  apply: string;
  previewId: string;
  applyId: string;
  summaryRole: string;
  /** Said after the count of changes. */
  summaryNote: string;
}


export abstract class PreviewApplyPanel<Change extends ReplaceChange> extends LitElement {
  static panelStyles = css`
    :host { position: absolute; right: 16px; top: 84px; z-index: 9; width: min(640px, 90vw); max-height: 70vh; display: flex; flex-direction: column; gap: 6px; padding: 8px; background: var(--vscode-editorWidget-background); color: var(--vscode-editorWidget-foreground, var(--vscode-foreground)); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-contrastBorder)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); }
    .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
    .changes { overflow: auto; font-size: 0.9em; }
    .change { padding: 3px 0; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    .before { color: var(--vscode-descriptionForeground); text-decoration: line-through; }
    .after { color: var(--vscode-foreground); }
    .error { color: var(--vscode-errorForeground); }
    .meta { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) channel!: EditorChannel;
  @property({ attribute: false }) query!: RecordQuery;
  /** The multi-selection within the query's result; empty: the panel acts on all the filter shows. */
  @property({ attribute: false, hasChanged: (next: Range[], last: Range[] | undefined) => !sameRanges(next, last) }) ranges: Range[] = [];
  @state() protected preview: ChangePreview<Change> | null = null;
  @state() protected busy = false;
  /** The captions the panel acts on. */
  @state() protected fields: CaptionKind[] = ['ssc', 'dsc'];

  protected abstract readonly labels: PanelLabels;
  /** Whether the options ask for anything (else there is nothing to preview). */
  protected abstract get canPreview(): boolean;
  /** The rows of the panel's own options. */
  protected abstract optionsTemplate(): TemplateResult;
  /** The host request that computes the preview. */
  protected abstract fetchPreview(): Promise<ChangePreview<Change>>;
  /** The host request that applies the changes (with the given timeout); resolves to how many changed. */
  protected abstract sendApply(timeoutMs: number): Promise<{ changed: number }>;

  /** Where the panel acts, as its head says it. */
  protected scopeLabel(): string {
    return this.ranges.length > 0 ? `in the ${RangeSet.of(this.ranges).size.toLocaleString()} selected images` : 'in the images the filter shows';
  }

  /** A change's line above its before and after. */
  protected changeLabel(c: Change): string {
    return `${c.fileName} · ${c.kind.toUpperCase()}`;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A preview is of one scope: a new filter or selection asks for a new one.
    if (changed.has('query') || changed.has('ranges')) this.preview = null;
  }

  /** The SSC and DSC ticks: which captions the panel acts on. */
  protected fieldToggles(): TemplateResult {
    return html`<vscode-checkbox .checked=${this.fields.includes('ssc')} @change=${(e: Event) => this.toggleField('ssc', checkedOf(e))}>SSC</vscode-checkbox>
      <vscode-checkbox .checked=${this.fields.includes('dsc')} @change=${(e: Event) => this.toggleField('dsc', checkedOf(e))}>DSC</vscode-checkbox>`;
  }

  private toggleField(kind: CaptionKind, on: boolean): void {
    this.fields = on ? [...new Set([...this.fields, kind])] : this.fields.filter((k) => k !== kind);
    this.preview = null;
  }

  protected async runPreview(): Promise<void> {
    this.busy = true;
    try {
      this.preview = await this.fetchPreview();
    } catch (err) {
      this.preview = { total: 0, changes: [], error: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }

  protected async apply(): Promise<void> {
    this.busy = true;
    try {
      const { changed } = await this.sendApply(BULK_REQUEST_TIMEOUT_MS);
      this.dispatchEvent(new CustomEvent('applied', { detail: changed, bubbles: true, composed: true }));
      this.preview = null;
    } catch (err) {
      this.preview = { total: 0, changes: [], error: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const p = this.preview;
    const l = this.labels;
    return html`
      <div class="row"><strong>${l.heading}</strong><span class="meta" data-role="scope">${this.scopeLabel()}</span></div>
      ${this.optionsTemplate()}
      <div class="row">
        <vscode-button id=${l.previewId} ?disabled=${this.busy || !this.canPreview} @click=${() => void this.runPreview()}>Preview</vscode-button>
        <vscode-button id=${l.applyId} ?disabled=${this.busy || !p || p.total === 0} @click=${() => void this.apply()}>${l.apply} ${p ? p.total : ''}</vscode-button>
        <vscode-button secondary @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</vscode-button>
      </div>
      ${p?.error ? html`<div class="error">${p.error}</div>` : nothing}
      ${p && !p.error
        ? html`<div class="meta" data-role=${l.summaryRole}>${p.total} caption(s) would change${p.total > p.changes.length ? `; the first ${p.changes.length} are shown` : ''}.${l.summaryNote}</div>
            <div class="changes">
              ${p.changes.map((c) => html`<div class="change"><div class="meta">${this.changeLabel(c)}</div><div class="before">${c.before}</div><div class="after">${c.after}</div></div>`)}
            </div>`
        : nothing}
    `;
  }
}

// The shape both bulk-edit panels share (find & replace, normalize): a floating widget that asks the host
// for a preview of the changes over the images the filter shows, then applies them as one undoable edit.
import { LitElement, css } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { RecordQuery } from '../shared/protocol.js';
import { RangeSet, sameRanges, type Range } from '../shared/range-set.js';
import type { WebviewChannel } from './rpc.js';

export interface ChangePreview<Change> {
  total: number;
  changes: Change[];
  error: string | null;
}

/** Bulk applies can touch a whole dataset: give them longer than an ordinary request. */
const APPLY_TIMEOUT_MS = 120_000;

export abstract class PreviewApplyPanel<Change> extends LitElement {
  static panelStyles = css`
    :host { position: absolute; right: 16px; top: 84px; z-index: 9; width: min(640px, 90vw); max-height: 70vh; display: flex; flex-direction: column; gap: 6px; padding: 8px; background: var(--vscode-editorWidget-background); color: var(--vscode-editorWidget-foreground, var(--vscode-foreground)); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-contrastBorder)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); }
    .changes { overflow: auto; font-size: 0.9em; }
    .change { padding: 3px 0; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    .before { color: var(--vscode-descriptionForeground); text-decoration: line-through; }
    .after { color: var(--vscode-foreground); }
    .error { color: var(--vscode-errorForeground); }
    .meta { color: var(--vscode-descriptionForeground); }
  `;

  @property({ attribute: false }) channel!: WebviewChannel;
  @property({ attribute: false }) query!: RecordQuery;
  /** The multi-selection within the query's result; empty: the panel acts on all the filter shows. */
  @property({ attribute: false, hasChanged: (next: Range[], last: Range[] | undefined) => !sameRanges(next, last) }) ranges: Range[] = [];
  @state() protected preview: ChangePreview<Change> | null = null;
  @state() protected busy = false;

  /** Where the panel acts, as its header says it. */
  protected scopeLabel(): string {
    return this.ranges.length > 0 ? `in the ${RangeSet.of(this.ranges).size.toLocaleString()} selected images` : 'in the images the filter shows';
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A preview is of one scope: a new filter or selection asks for a new one.
    if (changed.has('query') || changed.has('ranges')) this.preview = null;
  }

  /** The host request that computes the preview. */
  protected abstract fetchPreview(): Promise<ChangePreview<Change>>;
  /** The host request that applies the changes (with the given timeout); resolves to how many changed. */
  protected abstract sendApply(timeoutMs: number): Promise<{ changed: number }>;

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
      const { changed } = await this.sendApply(APPLY_TIMEOUT_MS);
      this.dispatchEvent(new CustomEvent('applied', { detail: changed, bubbles: true, composed: true }));
      this.preview = null;
    } catch (err) {
      this.preview = { total: 0, changes: [], error: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }
}

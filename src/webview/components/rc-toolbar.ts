// <rc-toolbar>: the editor's header: the dataset and the position in it, the counts, the extension's
// commands, the list/grid switch with the tile size, and the shortcuts' help.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { DEFAULT_LAYOUT, TILE_SIZE, type Counts, type InitInfo, type LayoutState, type ToolbarCommand } from '../../shared/protocol.js';
import { emit } from './emit.js';

@customElement('rc-toolbar')
export class RcToolbar extends LitElement {
  static override styles = css`
    :host { display: block; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 6px 8px; }
    .title { font-weight: 600; margin-right: 8px; }
    .counts { color: var(--vscode-descriptionForeground); margin-left: auto; }
    .tile-size { width: 120px; }
  `;

  @property({ attribute: false }) info: InitInfo | null = null;
  @property({ attribute: false }) counts: Counts | null = null;
  /** Images the filter shows. */
  @property({ type: Number }) total = 0;
  @property({ type: Number }) selected = -1;
  @property({ attribute: false }) layout: LayoutState = DEFAULT_LAYOUT;

  private command(command: ToolbarCommand): void {
    emit(this, 'command', command);
  }

  private setLayout(patch: Partial<LayoutState>): void {
    emit(this, 'layout-change', patch);
  }

  private countsText(): string {
    const c = this.counts;
    if (this.info?.loading) return 'loading the whole manifest… ';
    return c ? `${c.total} images · ${c.uncaptioned} uncaptioned · ${c.machine} machine · ${c.edited} edited · ${c.approved} approved · ${c.rejected} rejected · ${c.error} errors` : '';
  }

  override render() {
    const grid = this.layout.layout === 'grid';
    return html`<header>
      <span class="title">${this.info ? `${this.info.folderName} / ${this.info.manifestName}` : 'Caption editor'}</span>
      <span class="position">${this.total > 0 ? `${this.selected + 1} / ${this.total}` : ''}</span>
      <span class="counts" data-role="counts">${this.countsText()}</span>
      <vscode-button secondary @click=${() => this.command('recaption.recaptionFolder')} title="Caption what is missing (resumes a run)">Recaption</vscode-button>
      <vscode-button secondary @click=${() => this.command('recaption.showReport')} title="Caption statistics and habits">Report</vscode-button>
      <vscode-button secondary @click=${() => this.command('recaption.exportFineTuneSet')} title="Export a fine-tune set (the whole dataset, or the selected images)">Export…</vscode-button>
      <vscode-button secondary @click=${() => this.command('recaption.upsample')} title="Write a descriptive caption from the short one with a chat model (this image, or the images the filter shows)">Upsample…</vscode-button>
      <vscode-button id="toggle-layout" secondary @click=${() => this.setLayout({ layout: grid ? 'list' : 'grid' })} title="Grid of thumbnails or list (g)">${grid ? 'List' : 'Grid'}</vscode-button>
      ${grid
        ? html`<input
            class="tile-size"
            type="range"
            aria-label="Tile size"
            title="Tile size"
            min=${TILE_SIZE.min}
            max=${TILE_SIZE.max}
            step=${TILE_SIZE.step}
            .value=${String(this.layout.tileSize)}
            @change=${(e: Event) => this.setLayout({ tileSize: Number((e.target as HTMLInputElement).value) })}
          />`
        : nothing}
      <vscode-button secondary @click=${() => emit(this, 'toggle-help', null)} title="Keyboard shortcuts (?)">Shortcuts</vscode-button>
    </header>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-toolbar': RcToolbar;
  }
}

// <rc-app>: the caption editor's webview, a shell that wires the state controller (state/editor-controller.ts)
// and the key dispatch (state/key-dispatch.ts) to the components: data goes down as properties, what the user
// does comes up as events. It answers the controller's and the keys' questions about the screen.
import { LitElement, html, nothing } from 'lit';
import { customElement, query } from 'lit/decorators.js';
import type { Range } from '../shared/range-set.js';
import type { CaptionKind } from '../shared/record.js';
import type { LayoutState, RecordQuery, ToolbarCommand } from '../shared/protocol.js';
import { WebviewChannel } from './state/rpc.js';
import { EditorController, type EditorView, type Panel } from './state/editor-controller.js';
import { KeyDispatch, keyTarget, type KeyView, type Zoom } from './state/key-dispatch.js';
import type { PositionClick } from './state/multi-selection.js';
import { rcAppStyles } from './rc-app.styles.js';
import type { BulkReview } from './components/rc-bulk-bar.js';
import type { CaptionCommit, CaptionInput, CaptionReview } from './components/rc-caption-field.js';
import type { RcFilterBar } from './components/rc-filter-bar.js';
import type { RcGrid } from './components/rc-grid.js';
import type { RcImage } from './components/rc-image.js';
import type { RcList } from './components/rc-list.js';
import type { RcRecordDetail } from './components/rc-record-detail.js';
import './components/rc-toolbar.js';
import './components/rc-filter-bar.js';
import './components/rc-bulk-bar.js';
import './components/rc-list.js';
import './components/rc-grid.js';
import './components/rc-image.js';
import './components/rc-record-detail.js';
import './components/rc-status-bar.js';
import './components/rc-key-map.js';
import './components/rc-find-replace.js';
import './components/rc-normalize.js';

@customElement('rc-app')
export class RcApp extends LitElement implements EditorView, KeyView {
  static override styles = rcAppStyles;

  private readonly channel = new WebviewChannel();
  private readonly editor = new EditorController(this, this.channel, this);
  private readonly keys = new KeyDispatch(this.editor, this);
  @query('rc-list') private list?: RcList;
  @query('rc-grid') private grid?: RcGrid;
  @query('rc-image') private image?: RcImage;
  @query('rc-record-detail') private detail?: RcRecordDetail;
  @query('rc-filter-bar') private filterBar?: RcFilterBar;

  private readonly onKeyDown = (e: KeyboardEvent): void => {
    if (this.keys.handle(e, keyTarget(e))) e.preventDefault();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKeyDown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKeyDown);
  }

  // -------------------------------------------------------------------------------------------
  // What the controller and the keys ask of the screen

  /** The list or the grid, whichever is shown. */
  private get records(): RcList | RcGrid | undefined {
    return this.editor.layout.layout === 'grid' ? this.grid : this.list;
  }

  reveal(position: number, focus: boolean): void {
    if (position >= 0) this.records?.reveal(position);
    if (focus) this.records?.focus();
  }

  get columns(): number {
    return this.editor.layout.layout === 'grid' ? (this.grid?.columns ?? 1) : 1;
  }

  get pageStep(): number {
    return this.editor.layout.layout === 'grid' ? (this.grid?.rowsPerView ?? 3) * (this.grid?.columns ?? 1) : (this.list?.rowsPerView ?? 10);
  }

  focusField(kind: CaptionKind): void {
    this.detail?.focusField(kind);
  }

  focusList(): void {
    this.list?.focus();
  }

  focusSearch(): void {
    this.filterBar?.focusText();
  }

  zoom(how: Zoom): void {
    const image = this.image;
    if (how === 'in') image?.zoomIn();
    else if (how === 'out') image?.zoomOut();
    else if (how === 'fit') image?.fit();
    else image?.actualSize();
  }

  // -------------------------------------------------------------------------------------------
  // Rendering

  private recordsTemplate() {
    const e = this.editor;
    const click = (ev: CustomEvent<PositionClick>) => e.click(ev.detail);
    const thumbnails = (ev: CustomEvent<string[]>) => void e.loadThumbnails(ev.detail);
    if (e.layout.layout === 'grid') {
      return html`<rc-grid
        .pages=${e.pages}
        .selection=${e.selection}
        .version=${e.version}
        .selected=${e.selected}
        .tileSize=${e.layout.tileSize}
        @tile-click=${click}
        @open=${(ev: CustomEvent<number>) => (e.select(ev.detail), e.setLayout({ layout: 'list' }))}
        @need-thumbnails=${thumbnails}
        @first-tiles=${(ev: CustomEvent<number>) => e.gridTiles(ev.detail)}
      ></rc-grid>`;
    }
    return html`<rc-list
        .pages=${e.pages}
        .selection=${e.selection}
        .version=${e.version}
        .selected=${e.selected}
        @tile-click=${click}
        @need-thumbnails=${thumbnails}
        @first-row=${(ev: CustomEvent<number>) => e.firstRow(ev.detail)}
      ></rc-list>
      <rc-image .src=${e.current?.image ?? ''} .alt=${e.current?.fileName ?? ''}></rc-image>`;
  }

  private panelTemplate(panel: Panel | null, ranges: Range[]) {
    const e = this.editor;
    const close = () => e.closePanel();
    const applied = (ev: CustomEvent<number>) => panel && e.applied(panel, ev.detail);
    if (panel === 'replace') return html`<rc-find-replace .channel=${this.channel} .query=${e.query} .ranges=${ranges} @close=${close} @applied=${applied}></rc-find-replace>`;
    if (panel === 'normalize') return html`<rc-normalize .channel=${this.channel} .query=${e.query} .ranges=${ranges} @close=${close} @applied=${applied}></rc-normalize>`;
    return nothing;
  }

  override render() {
    const e = this.editor;
    const r = e.current;
    const command = (ev: CustomEvent<ToolbarCommand>) => e.runCommand(ev.detail);
    return html`
      <rc-toolbar
        .info=${e.info}
        .counts=${e.counts}
        .total=${e.pages.total}
        .selected=${e.selected}
        .layout=${e.layout}
        @command=${command}
        @layout-change=${(ev: CustomEvent<Partial<LayoutState>>) => e.setLayout(ev.detail)}
        @toggle-help=${() => e.toggleHelp()}
      ></rc-toolbar>
      <rc-filter-bar .query=${e.query} @query-change=${(ev: CustomEvent<Partial<RecordQuery>>) => e.setQuery(ev.detail)} @toggle-panel=${(ev: CustomEvent<Panel>) => e.togglePanel(ev.detail)}></rc-filter-bar>
      <rc-bulk-bar
        .count=${e.selection.isMulti ? e.selection.count : 0}
        @bulk-review=${(ev: CustomEvent<BulkReview>) => e.bulkReview(ev.detail.kinds, ev.detail.review)}
        @command=${command}
        @clear-selection=${() => e.collapseSelection()}
      ></rc-bulk-bar>
      <main class=${e.layout.layout}>
        ${this.recordsTemplate()}
        <rc-record-detail
          role="region"
          aria-label="Captions"
          .record=${r}
          .placeholder=${e.pages.total === 0 && e.info ? 'No images match.' : 'Loading…'}
          .drafts=${r ? { ssc: e.reviewer.draftOf(r.fileName, 'ssc'), dsc: e.reviewer.draftOf(r.fileName, 'dsc') } : {}}
          .showOriginal=${e.showOriginal}
          .version=${e.version}
          @caption-input=${(ev: CustomEvent<CaptionInput>) => e.type(ev.detail.kind, ev.detail.text)}
          @caption-commit=${(ev: CustomEvent<CaptionCommit>) => e.commit(ev.detail.fileName, ev.detail.kind)}
          @caption-review=${(ev: CustomEvent<CaptionReview>) => e.review([ev.detail.kind], ev.detail.review)}
        ></rc-record-detail>
      </main>
      <rc-status-bar .notice=${e.notice}></rc-status-bar>
      ${e.showHelp ? html`<rc-key-map></rc-key-map>` : nothing}
      ${this.panelTemplate(e.panel, e.bulkRanges())}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-app': RcApp;
  }
}

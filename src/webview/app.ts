// The caption editor's webview app. Everything on the annotator's path (move, edit, approve, next
// unreviewed) acts on the local copy at once and tells the host afterwards: it never waits on the host.
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { appStyles } from './app-styles.js';
import { customElement, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import {
  DEFAULT_LAYOUT,
  EMPTY_QUERY,
  isUnreviewed,
  recordState,
  TILE_SIZE,
  type Counts,
  type LayoutState,
  type EditRequest,
  type HostEvent,
  type InitInfo,
  type RecordQuery,
  type RecordView,
} from '../shared/protocol.js';
import type { CaptionKind, ReviewState } from '../shared/record.js';
import { DEFECT_FLAG_LABELS, DEFECT_FLAGS } from '../shared/defect-flags.js';
import { REVIEW_ORDER_LABELS, REVIEW_ORDERS } from '../shared/record-query.js';
import type { Range } from '../shared/range-set.js';
import { MAX_CAPTION_CHARS } from '../shared/limits.js';
import { WebviewChannel } from './rpc.js';
import { PAGE_SIZE, RecordPages } from './record-pages.js';
import { RecordList } from './record-list.js';
import { RecordGrid } from './record-grid.js';
import { ImageView } from './image-view.js';
import type { MultiSelection, PositionClick } from './multi-selection.js';
import { ReviewController } from './review-controller.js';
import { describeCaption, describeScore } from './caption-labels.js';
import { FIELD_KEYS, FOOTER_HINTS, LIST_KEYS, SELECTION_KEYS, actionFor, chordLabel, fieldActionFor, type Action, type FieldAction } from './shortcuts.js';
import './find-replace.js';
import './normalize-panel.js';
import './record-list.js';
import './record-grid.js';
import './defect-badges.js';
import './image-view.js';

const KINDS: CaptionKind[] = ['ssc', 'dsc'];

interface SavedState {
  selectedFile: string | null;
  query: RecordQuery;
}

interface ValueElement extends HTMLElement {
  value: string;
  checked?: boolean;
}

@customElement('rc-app')
export class App extends LitElement {
  static override styles = appStyles;

  private readonly channel = new WebviewChannel();
  private readonly pages = new RecordPages(this.channel, () => this.version++);
  @state() private version = 0;
  @state() private info: InitInfo | null = null;
  @state() private counts: Counts | null = null;
  @state() private showOriginal = false;
  @state() private showHelp = false;
  @state() private showReplace = false;
  @state() private showNormalize = false;
  @state() private notice: { level: 'info' | 'warning' | 'error'; message: string } | null = null;
  @state() private query: RecordQuery = EMPTY_QUERY;
  @state() private layout: LayoutState = DEFAULT_LAYOUT;
  private get selection(): MultiSelection {
    return this.controller.selection;
  }

  private get selected(): number {
    return this.controller.selected;
  }
  /** When the grid was switched to, for the time to its first tiles. */
  private gridShownAt: number | null = null;
  /** The current image, the multi-selection, drafts, commits and reviews (review-controller.ts). */
  private readonly controller = new ReviewController(this.pages, (request) => this.sendEdit(request));
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingSelectFile: string | null = null;
  @query('rc-list') private list?: RecordList;
  @query('rc-grid') private grid?: RecordGrid;
  @query('rc-image') private image?: ImageView;

  override connectedCallback(): void {
    super.connectedCallback();
    this.channel.onEvent((e) => this.onHostEvent(e));
    window.addEventListener('keydown', (e) => this.onKeyDown(e));
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      this.info = await this.channel.request('init', {});
      this.counts = this.info.counts;
      this.layout = this.info.layout;
      const saved = this.channel.getState<SavedState>();
      // A query saved by an earlier release lacks the fields added since: they take their defaults.
      this.query = { ...EMPTY_QUERY, ...(saved?.query ?? {}) };
      this.pendingSelectFile = saved?.selectedFile ?? null;
      await this.pages.reset(this.query);
      this.select(0, false);
      this.showProblems();
    } catch (err) {
      this.notice = { level: 'error', message: `Could not load the manifest: ${(err as Error).message}` };
    }
  }

  private showProblems(): void {
    const problems = this.info?.problems ?? [];
    if (problems.length === 0) return;
    const p = problems[0]!;
    this.notice = { level: 'warning', message: `${problems.length} manifest line(s) could not be read and are kept as they are (line ${p.line}: ${p.message})` };
  }

  private get current(): RecordView | undefined {
    return this.controller.current;
  }

  // -------------------------------------------------------------------------------------------
  // Host events

  private onHostEvent(event: HostEvent): void {
    if (event.type === 'recordsChanged') {
      this.counts = event.counts;
      this.pages.replace(event.records);
    } else if (event.type === 'reset') {
      this.counts = event.counts;
      if (this.info) this.info = { ...this.info, loading: false, total: event.total, problems: event.problems };
      this.showProblems();
      const file = this.current?.fileName ?? null;
      this.pendingSelectFile = file;
      // A reset after a bulk edit keeps the selection, so the next bulk action takes the same images.
      void this.pages.reset(this.query).then(() => this.select(Math.min(this.selected, this.pages.total - 1), false, 'keep'));
    } else {
      this.notice = { level: event.level, message: event.message };
    }
  }

  // -------------------------------------------------------------------------------------------
  // Navigation

  private saveState(): void {
    const fileName = this.current?.fileName ?? null;
    this.channel.setState<SavedState>({ selectedFile: fileName, query: this.query });
    // The host's commands (Upsample) act on what is selected here.
    this.channel.send({ type: 'selection', fileName, query: this.query, ranges: this.bulkRanges() });
  }

  /** The multi-selection's ranges, which bulk actions take; none when one image (or none) is selected. */
  private bulkRanges(): Range[] {
    return this.selection.isMulti ? this.selection.ranges() : [];
  }

  /** The list or the grid, whichever is shown. */
  private get records(): RecordList | RecordGrid | undefined {
    return this.layout.layout === 'grid' ? this.grid : this.list;
  }

  /**
   * Shows the image at `position`. `how` says what happens to the multi-selection: a plain move collapses
   * it onto the image, an extension (Shift) grows it from its anchor, 'keep' leaves it (a click already
   * shaped it).
   */
  private select(position: number, focusList = true, how: 'move' | 'extend' | 'keep' = 'move'): void {
    const pos = this.controller.moveTo(position, how);
    this.version++;
    if (pos < 0) return;
    // Keep the neighbourhood loaded so the next moves (and "next unreviewed") are local.
    this.pages.ensure(pos - PAGE_SIZE, pos + 2 * PAGE_SIZE);
    this.updateComplete.then(() => {
      this.records?.reveal(pos);
      if (focusList) this.records?.focus();
    });
    this.saveState();
  }

  private onPositionClick(click: PositionClick): void {
    this.selection.click(click.position, click);
    this.select(click.position, true, 'keep');
  }

  // -------------------------------------------------------------------------------------------
  // Layout and bulk actions

  private setLayout(patch: Partial<LayoutState>): void {
    const next = { ...this.layout, ...patch };
    if (next.layout === 'grid' && this.layout.layout !== 'grid') this.gridShownAt = performance.now();
    this.layout = next;
    this.channel.send({ type: 'layout', state: next });
    const pos = this.selected;
    this.updateComplete.then(() => {
      if (pos >= 0) this.records?.reveal(pos);
      this.records?.focus();
    });
  }

  /** The first screen of the editor (once: a list made again after the grid is not a first screen). */
  private onFirstRow(rows: number): void {
    if (this.firstRowSent) return;
    this.firstRowSent = true;
    this.channel.send({ type: 'firstRender', ms: performance.now(), rows });
  }

  private firstRowSent = false;

  private onGridTiles(tiles: number): void {
    if (this.gridShownAt === null) return;
    this.channel.send({ type: 'gridRender', ms: performance.now() - this.gridShownAt, tiles });
    this.gridShownAt = null;
  }

  /** Reviews the multi-selection's captions on the host, as one undoable edit. */
  private bulkReview(kinds: CaptionKind[], review: ReviewState): void {
    this.commitAll();
    const count = this.selection.count;
    const what = review === null ? 'Cleared the reviews of' : review === 'approved' ? 'Approved' : 'Rejected';
    this.channel.request('bulkReview', { query: this.query, ranges: this.selection.ranges(), kinds, review }, 120_000).then(
      (r) => {
        const kept = r.kept > 0 ? `; ${r.kept} already decided otherwise were left alone` : '';
        this.notice = { level: 'info', message: `${what} ${r.changed} captions of ${count} selected images as one edit (Ctrl+Z outside a field undoes it)${kept}.` };
      },
      (err: Error) => (this.notice = { level: 'error', message: `Bulk review failed: ${err.message}` }),
    );
  }

  private bulkTemplate() {
    if (!this.selection.isMulti) return nothing;
    const both: CaptionKind[] = ['ssc', 'dsc'];
    return html`<div class="bulk" role="toolbar" aria-label="Selection" data-role="bulk">
      <span class="count" data-role="selection-count">${this.selection.count} selected</span>
      <vscode-button id="bulk-approve" @click=${() => this.bulkReview(both, 'approved')} title="Approve both captions of the selected images (a)">Approve</vscode-button>
      <vscode-button secondary @click=${() => this.bulkReview(both, 'rejected')} title="Reject both captions (x)">Reject</vscode-button>
      <vscode-button secondary @click=${() => this.bulkReview(['ssc'], 'approved')} title="Approve the SSCs (1)">Approve SSC</vscode-button>
      <vscode-button secondary @click=${() => this.bulkReview(['dsc'], 'approved')} title="Approve the DSCs (2)">Approve DSC</vscode-button>
      <vscode-button secondary @click=${() => this.bulkReview(both, null)} title="Clear the reviews (u)">Clear review</vscode-button>
      <vscode-button secondary @click=${() => (this.commitAll(), this.channel.send({ type: 'command', command: 'recaption.upsample' }))} title="Upsample the selected images' DSCs">Upsample…</vscode-button>
      <vscode-button secondary @click=${() => this.collapseSelection()} title="Clear the selection (Escape)">Clear selection</vscode-button>
    </div>`;
  }

  private collapseSelection(): void {
    if (this.selected >= 0) this.selection.collapse(this.selected);
    this.version++;
    this.saveState();
  }

  private async nextUnreviewed(direction: 1 | -1): Promise<void> {
    this.commitAll();
    const local = this.pages.findLoaded(this.selected, direction, (r) => isUnreviewed(r));
    if (typeof local === 'number') return this.select(local);
    if (local === null) {
      this.notice = { level: 'info', message: direction === 1 ? 'No unreviewed image after this one.' : 'No unreviewed image before this one.' };
      return;
    }
    const { position } = await this.channel.request('findNext', { query: this.query, from: this.selected, direction, unreviewedOnly: true });
    if (position === null) this.notice = { level: 'info', message: 'No more unreviewed images.' };
    else {
      await this.pages.load(Math.floor(position / PAGE_SIZE));
      this.select(position);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Edits: applied locally first, then sent.

  private sendEdit(request: EditRequest): void {
    this.channel.request('edit', request).then(
      (r) => {
        if (!r.applied) this.notice = { level: 'warning', message: r.reason ?? 'The edit was not applied.' };
      },
      (err: Error) => (this.notice = { level: 'error', message: `Edit failed: ${err.message}` }),
    );
  }

  private onInput(kind: CaptionKind, e: Event): void {
    this.controller.type(kind, (e.target as HTMLTextAreaElement).value);
  }

  private commit(fileName: string, kind: CaptionKind): void {
    this.controller.commit(fileName, kind);
  }

  private commitAll(): void {
    this.controller.commitAll();
  }

  private review(kinds: CaptionKind[], review: ReviewState): boolean {
    if (!this.current) return false;
    if (this.controller.review(kinds, review).length > 0) return true;
    this.notice = { level: 'warning', message: `No ${kinds.map((k) => k.toUpperCase()).join(' or ')} to review yet.` };
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Keyboard

  private focusField(kind: CaptionKind): void {
    const ta = this.renderRoot.querySelector<HTMLTextAreaElement>(`textarea.${kind}`);
    ta?.focus();
  }

  private onKeyDown(e: KeyboardEvent): void {
    const origin = e.composedPath()[0];
    const inText = origin instanceof HTMLTextAreaElement || origin instanceof HTMLInputElement;
    if (inText) {
      const kind = origin instanceof HTMLTextAreaElement ? (origin.dataset.kind as CaptionKind | undefined) : undefined;
      const action = fieldActionFor(e);
      if (action) this.runInField(action, kind, e);
      return;
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'a' || e.key === 'A') && !this.inWidget(e)) {
      e.preventDefault();
      this.selection.selectAll(this.pages.total);
      this.version++;
      this.saveState();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') this.commitAll();
      return;
    }
    if (this.inWidget(e)) return;
    const step = this.arrowStep(e.key);
    if (step !== 0) {
      e.preventDefault();
      this.select(this.selected + step, true, e.shiftKey ? 'extend' : 'move');
      return;
    }
    if (e.key === 'Enter' && this.layout.layout === 'grid') {
      e.preventDefault();
      this.setLayout({ layout: 'list' });
      return;
    }
    const action = actionFor(e.key);
    if (!action) return;
    e.preventDefault();
    this.run(action);
  }

  /** A caption field's key (see FIELD_KEYS); `kind` is the field's caption, undefined in other inputs. */
  private runInField(action: FieldAction, kind: CaptionKind | undefined, e: KeyboardEvent): void {
    switch (action) {
      case 'leaveField':
        e.preventDefault();
        this.commitAll();
        this.list?.focus();
        return;
      case 'approveAndGoOn':
      case 'rejectCaption': {
        if (!kind) return;
        e.preventDefault();
        const reject = action === 'rejectCaption';
        if (!this.review([kind], reject ? 'rejected' : 'approved')) return;
        if (kind === 'ssc' && !reject) this.focusField('dsc');
        else void this.nextUnreviewed(1).then(() => this.list?.focus());
        return;
      }
      case 'nextImage':
      case 'prevImage':
        e.preventDefault();
        this.select(this.selected + (action === 'nextImage' ? 1 : -1), false);
        if (kind) this.updateComplete.then(() => this.focusField(kind));
        return;
      case 'commitTyped':
        // Not prevented: VS Code's own Ctrl+S saves, after this sends what is typed.
        this.commitAll();
        return;
    }
  }

  /** Keys meant for a focused widget (a button's Enter, a select's arrows) are not editor shortcuts. */
  private inWidget(e: KeyboardEvent): boolean {
    return e.composedPath().some((t) => t instanceof HTMLElement && /^VSCODE-|^BUTTON$|^INPUT$|^RC-FIND-REPLACE$|^RC-NORMALIZE$/.test(t.tagName));
  }

  /** How far an arrow key moves: a row in the list; a tile or a row of tiles in the grid. */
  private arrowStep(key: string): number {
    const grid = this.layout.layout === 'grid';
    const columns = grid ? (this.grid?.columns ?? 1) : 1;
    if (key === 'ArrowDown') return columns;
    if (key === 'ArrowUp') return -columns;
    if (grid && key === 'ArrowRight') return 1;
    if (grid && key === 'ArrowLeft') return -1;
    return 0;
  }

  private run(action: Action): void {
    const grid = this.layout.layout === 'grid';
    const step = grid ? (this.grid?.rowsPerView ?? 3) * (this.grid?.columns ?? 1) : (this.list?.rowsPerView ?? 10);
    if (this.selection.isMulti) {
      const bulk: Partial<Record<Action, [CaptionKind[], ReviewState]>> = {
        approveBoth: [KINDS, 'approved'],
        rejectBoth: [KINDS, 'rejected'],
        approveSsc: [['ssc'], 'approved'],
        approveDsc: [['dsc'], 'approved'],
        rejectSsc: [['ssc'], 'rejected'],
        rejectDsc: [['dsc'], 'rejected'],
        clearReview: [KINDS, null],
      };
      const on = bulk[action];
      if (on) return this.bulkReview(on[0], on[1]);
    }
    switch (action) {
      case 'next': return this.select(this.selected + 1);
      case 'prev': return this.select(this.selected - 1);
      case 'pageDown': return this.select(this.selected + step);
      case 'pageUp': return this.select(this.selected - step);
      case 'first': return this.select(0);
      case 'last': return this.select(this.pages.total - 1);
      case 'nextUnreviewed': return void this.nextUnreviewed(1);
      case 'prevUnreviewed': return void this.nextUnreviewed(-1);
      case 'focusSsc': return this.focusField('ssc');
      case 'focusDsc': return this.focusField('dsc');
      case 'approveBoth':
        if (this.review(KINDS, 'approved')) void this.nextUnreviewed(1);
        return;
      case 'rejectBoth':
        if (this.review(KINDS, 'rejected')) void this.nextUnreviewed(1);
        return;
      case 'approveSsc': return void this.review(['ssc'], 'approved');
      case 'approveDsc': return void this.review(['dsc'], 'approved');
      case 'rejectSsc': return void this.review(['ssc'], 'rejected');
      case 'rejectDsc': return void this.review(['dsc'], 'rejected');
      case 'clearReview': return void this.review(KINDS, null);
      case 'toggleOriginal': this.showOriginal = !this.showOriginal; return;
      case 'zoomIn': return this.image?.zoomIn();
      case 'zoomOut': return this.image?.zoomOut();
      case 'zoomFit': return this.image?.fit();
      case 'zoomActual': return this.image?.actualSize();
      case 'focusSearch': return this.renderRoot.querySelector<HTMLElement>('#filter-text')?.focus();
      case 'toggleReplace': this.showReplace = !this.showReplace; this.showNormalize = false; return;
      case 'toggleHelp': this.showHelp = !this.showHelp; return;
      case 'toggleLayout': return this.setLayout({ layout: grid ? 'list' : 'grid' });
      case 'clearSelection': return this.collapseSelection();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Filters

  private setQuery(patch: Partial<RecordQuery>): void {
    this.query = { ...this.query, ...patch };
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      this.commitAll();
      void this.pages.reset(this.query).then(() => {
        // Positions are within the filter's result: a new filter starts a new selection.
        this.select(0, false, 'move');
        this.notice = this.pages.error ? { level: 'error', message: this.pages.error } : null;
      });
    }, 250);
  }

  private numberOrNull(value: string): number | null {
    const n = Number.parseInt(value, 10);
    return Number.isFinite(n) && n >= 0 ? n : null;
  }

  private filtersTemplate() {
    const q = this.query;
    const sel = (e: Event): string => (e.target as ValueElement).value;
    return html`<div class="filters" role="search">
      <vscode-single-select id="filter-review" title="Review state" .value=${q.review} @change=${(e: Event) => this.setQuery({ review: sel(e) as RecordQuery['review'] })}>
        <vscode-option value="any">any review</vscode-option>
        <vscode-option value="unreviewed">unreviewed</vscode-option>
        <vscode-option value="approved">approved</vscode-option>
        <vscode-option value="rejected">rejected</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-author" title="Written by" .value=${q.author} @change=${(e: Event) => this.setQuery({ author: sel(e) as RecordQuery['author'] })}>
        <vscode-option value="any">any author</vscode-option>
        <vscode-option value="model">model</vscode-option>
        <vscode-option value="human">human</vscode-option>
        <vscode-option value="import">import</vscode-option>
        <vscode-option value="upsample">upsample</vscode-option>
        <vscode-option value="none">no caption</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-field" title="Which caption the filters look at" .value=${q.field} @change=${(e: Event) => this.setQuery({ field: sel(e) as RecordQuery['field'] })}>
        <vscode-option value="any">any field</vscode-option>
        <vscode-option value="ssc">SSC</vscode-option>
        <vscode-option value="dsc">DSC</vscode-option>
        <vscode-option value="alt">alt-text</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-error" title="Errors" .value=${q.error === null ? 'any' : q.error ? 'yes' : 'no'} @change=${(e: Event) => {
        const v = sel(e);
        this.setQuery({ error: v === 'any' ? null : v === 'yes' });
      }}>
        <vscode-option value="any">errors or not</vscode-option>
        <vscode-option value="yes">with error</vscode-option>
        <vscode-option value="no">without error</vscode-option>
      </vscode-single-select>
      <vscode-single-select id="filter-flag" title="Defect flags (computed without a model)" .value=${q.flag} @change=${(e: Event) => this.setQuery({ flag: sel(e) as RecordQuery['flag'] })}>
        <vscode-option value="any">flagged or not</vscode-option>
        <vscode-option value="flagged">any defect flag</vscode-option>
        ${DEFECT_FLAGS.map((f) => html`<vscode-option value=${f}>${DEFECT_FLAG_LABELS[f]}</vscode-option>`)}
      </vscode-single-select>
      <vscode-single-select id="filter-order" title="The order of the list; next unreviewed (n) follows it" .value=${q.order} @change=${(e: Event) => this.setQuery({ order: sel(e) as RecordQuery['order'] })}>
        ${REVIEW_ORDERS.map((o) => html`<vscode-option value=${o}>${REVIEW_ORDER_LABELS[o]}</vscode-option>`)}
      </vscode-single-select>
      <vscode-textfield class="len" type="number" placeholder="min len" title="Minimum caption length" .value=${q.minLength?.toString() ?? ''} @input=${(e: Event) => this.setQuery({ minLength: this.numberOrNull(sel(e)) })}></vscode-textfield>
      <vscode-textfield class="len" type="number" placeholder="max len" title="Maximum caption length" .value=${q.maxLength?.toString() ?? ''} @input=${(e: Event) => this.setQuery({ maxLength: this.numberOrNull(sel(e)) })}></vscode-textfield>
      <vscode-textfield id="filter-text" placeholder="Filter text (/)" .value=${q.text} @input=${(e: Event) => this.setQuery({ text: sel(e) })}></vscode-textfield>
      <vscode-checkbox id="filter-duplicates" title="Only images with a duplicate (same bytes, or a near-identical perceptual hash)" .checked=${q.duplicates} @change=${(e: Event) => this.setQuery({ duplicates: (e.target as ValueElement).checked === true })}>has duplicates</vscode-checkbox>
      <vscode-checkbox title="Regular expression" .checked=${q.regex} @change=${(e: Event) => this.setQuery({ regex: (e.target as ValueElement).checked === true })}>.*</vscode-checkbox>
      <vscode-checkbox title="Match case" .checked=${q.caseSensitive} @change=${(e: Event) => this.setQuery({ caseSensitive: (e.target as ValueElement).checked === true })}>Aa</vscode-checkbox>
      <vscode-button secondary @click=${() => this.setQuery({ ...EMPTY_QUERY })}>Clear filters</vscode-button>
      <vscode-button secondary @click=${() => ((this.showReplace = !this.showReplace), (this.showNormalize = false))}>Find &amp; replace</vscode-button>
      <vscode-button id="open-normalize" secondary title="Strip stock openings and closings, unify the trailing period: preview, then one undoable edit" @click=${() => ((this.showNormalize = !this.showNormalize), (this.showReplace = false))}>Normalize…</vscode-button>
    </div>`;
  }

  // -------------------------------------------------------------------------------------------
  // Rendering

  private fieldTemplate(r: RecordView, kind: CaptionKind) {
    const caption = r[kind];
    const draft = this.controller.draftOf(r.fileName, kind);
    const review = caption?.review ?? null;
    const label = kind === 'ssc' ? 'SSC' : 'DSC';
    const key = kind === 'ssc' ? '1' : '2';
    return html`<div class="field" data-field=${kind}>
      <label for=${kind}>${label}
        <span class="meta" data-role="author">${describeCaption(caption)}</span>
        ${caption ? html`<span class="review ${review ?? 'none'}" data-role="review">${review ?? 'unreviewed'}</span>` : nothing}
      </label>
      <textarea
        id=${kind}
        class=${kind}
        data-kind=${kind}
        spellcheck="true"
        maxlength=${MAX_CAPTION_CHARS}
        aria-label=${`${label} (press ${kind === 'ssc' ? 's' : 'd'} to edit)`}
        .value=${live(draft ?? caption?.text ?? '')}
        @input=${(e: Event) => this.onInput(kind, e)}
        @blur=${() => this.commit(r.fileName, kind)}
      ></textarea>
      ${caption?.original !== undefined && caption.by === 'human'
        ? this.showOriginal
          ? html`<div class="original" data-role="original">model's original: ${caption.original}</div>`
          : html`<div class="meta">edited from the model's text (<kbd>o</kbd> shows it)</div>`
        : nothing}
      <div class="buttons">
        <vscode-button @click=${() => this.review([kind], 'approved')} title=${`Approve ${label} (${key})`}>Approve</vscode-button>
        <vscode-button secondary @click=${() => this.review([kind], 'rejected')} title=${`Reject ${label} (Shift+${key})`}>Reject</vscode-button>
      </div>
    </div>`;
  }

  private detailTemplate() {
    const r = this.current;
    if (!r) return html`<div class="empty">${this.pages.total === 0 && this.info ? 'No images match.' : 'Loading…'}</div>`;
    return html`
      <div class="field">
        <label>File <span class="meta">${r.width ?? '?'}×${r.height ?? '?'} · ${recordState(r)}</span></label>
        <div data-role="file-name">${r.fileName}${r.missing ? ' (missing on disk)' : ''}</div>
        <rc-defect-badges data-role="flags" .flags=${r.flags}></rc-defect-badges>
      </div>
      ${r.error ? html`<div class="error" data-role="error">Error: ${r.error}</div>` : nothing}
      <div class="field">
        <label>Alt-text <span class="meta">${r.alt ? `from ${r.alt.source}${describeScore(r.alt.score)}` : 'none'}</span></label>
        ${r.alt ? html`<div class="alt" data-role="alt">${r.alt.text}</div>` : nothing}
      </div>
      ${this.fieldTemplate(r, 'ssc')} ${this.fieldTemplate(r, 'dsc')}
    `;
  }

  private helpTemplate() {
    return html`<div class="help" role="dialog" aria-label="Keyboard shortcuts">
      <table>
        ${LIST_KEYS.map((k) => html`<tr><td>${k.keys.map((key) => html`<kbd>${key}</kbd> `)}</td><td>${k.label}</td></tr>`)}
        ${FIELD_KEYS.map((k) => html`<tr><td><kbd>${chordLabel(k.chord)}</kbd> in a caption</td><td>${k.label}</td></tr>`)}
        ${SELECTION_KEYS.map((k) => html`<tr><td><kbd>${k.keys}</kbd></td><td>${k.label}</td></tr>`)}
      </table>
    </div>`;
  }

  override render() {
    const c = this.counts;
    const r = this.current;
    return html`
      <header>
        <span class="title">${this.info ? `${this.info.folderName} / ${this.info.manifestName}` : 'Caption editor'}</span>
        <span class="position">${this.pages.total > 0 ? `${this.selected + 1} / ${this.pages.total}` : ''}</span>
        <span class="counts" data-role="counts">${this.info?.loading ? 'loading the whole manifest… ' : ''}${c && !this.info?.loading ? `${c.total} images · ${c.uncaptioned} uncaptioned · ${c.machine} machine · ${c.edited} edited · ${c.approved} approved · ${c.rejected} rejected · ${c.error} errors` : ''}</span>
        <vscode-button secondary @click=${() => this.channel.send({ type: 'command', command: 'recaption.recaptionFolder' })} title="Caption what is missing (resumes a run)">Recaption</vscode-button>
        <vscode-button secondary @click=${() => this.channel.send({ type: 'command', command: 'recaption.showReport' })} title="Caption statistics and habits">Report</vscode-button>
        <vscode-button secondary @click=${() => this.channel.send({ type: 'command', command: 'recaption.exportFineTuneSet' })} title="Export a fine-tune set (the whole dataset, or the selected images)">Export…</vscode-button>
        <vscode-button secondary @click=${() => (this.commitAll(), this.channel.send({ type: 'command', command: 'recaption.upsample' }))} title="Write a descriptive caption from the short one with a chat model (this image, or the images the filter shows)">Upsample…</vscode-button>
        <vscode-button id="toggle-layout" secondary @click=${() => this.setLayout({ layout: this.layout.layout === 'grid' ? 'list' : 'grid' })} title="Grid of thumbnails or list (g)">${this.layout.layout === 'grid' ? 'List' : 'Grid'}</vscode-button>
        ${this.layout.layout === 'grid'
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
        <vscode-button secondary @click=${() => (this.showHelp = !this.showHelp)} title="Keyboard shortcuts (?)">Shortcuts</vscode-button>
      </header>
      ${this.filtersTemplate()}
      <div class="bulk-slot">${this.bulkTemplate()}</div>
      <main class=${this.layout.layout}>
        ${this.layout.layout === 'grid'
          ? html`<rc-grid
              .pages=${this.pages}
              .selection=${this.selection}
              .version=${this.version}
              .selected=${this.selected}
              .tileSize=${this.layout.tileSize}
              @tile-click=${(e: CustomEvent<PositionClick>) => this.onPositionClick(e.detail)}
              @open=${(e: CustomEvent<number>) => (this.select(e.detail), this.setLayout({ layout: 'list' }))}
              @need-thumbnails=${(e: CustomEvent<string[]>) => void this.loadThumbnails(e.detail)}
              @first-tiles=${(e: CustomEvent<number>) => this.onGridTiles(e.detail)}
            ></rc-grid>`
          : html`<rc-list
                .pages=${this.pages}
                .selection=${this.selection}
                .version=${this.version}
                .selected=${this.selected}
                @tile-click=${(e: CustomEvent<PositionClick>) => this.onPositionClick(e.detail)}
                @need-thumbnails=${(e: CustomEvent<string[]>) => void this.loadThumbnails(e.detail)}
                @first-row=${(e: CustomEvent<number>) => this.onFirstRow(e.detail)}
              ></rc-list>
              <rc-image .src=${r?.image ?? ''} .alt=${r?.fileName ?? ''}></rc-image>`}
        <section class="fields" aria-label="Captions">${this.detailTemplate()}</section>
      </main>
      <footer>
        ${this.notice ? html`<span class="notice ${this.notice.level}" data-role="notice">${this.notice.message}</span>` : nothing}
        ${FOOTER_HINTS.map((h) => html`<span><kbd>${h.key}</kbd> ${h.label}</span>`)}
      </footer>
      ${this.showHelp ? this.helpTemplate() : nothing}
      ${this.showReplace
        ? html`<rc-find-replace
            .channel=${this.channel}
            .query=${this.query}
            .ranges=${this.bulkRanges()}
            @close=${() => (this.showReplace = false)}
            @applied=${(e: CustomEvent<number>) => (this.notice = { level: 'info', message: `Replaced in ${e.detail} captions as one edit (Ctrl+Z outside a field undoes it).` })}
          ></rc-find-replace>`
        : nothing}
      ${this.showNormalize
        ? html`<rc-normalize
            .channel=${this.channel}
            .query=${this.query}
            .ranges=${this.bulkRanges()}
            @close=${() => (this.showNormalize = false)}
            @applied=${(e: CustomEvent<number>) => (this.notice = { level: 'info', message: `Normalized ${e.detail} captions as one edit (Ctrl+Z outside a field undoes it).` })}
          ></rc-normalize>`
        : nothing}
    `;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    if (this.pendingSelectFile !== null) {
      const pos = this.pages.positionOf(this.pendingSelectFile);
      if (pos !== undefined) {
        this.pendingSelectFile = null;
        this.select(pos, false);
      }
    }
  }

  private async loadThumbnails(fileNames: string[]): Promise<void> {
    try {
      const uris = await this.channel.request('thumbnails', { fileNames });
      for (const [fileName, thumb] of Object.entries(uris)) if (thumb) this.pages.patch(fileName, (r) => ({ ...r, thumb }));
    } catch (err) {
      this.channel.send({ type: 'log', level: 'error', message: `thumbnails: ${(err as Error).message}` });
    }
  }
}

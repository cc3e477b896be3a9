// The editor's state controller: what the webview knows (the dataset's header, the filter, the layout, the
// notice, which panels are open) and every step it takes with the host, apart from drawing. The app shell
// (../rc-app.ts) renders from it and hands it the components' events. Everything on the annotator's path
// (move, edit, approve, next unreviewed) acts on the local copy at once and tells the host afterwards: it
// never waits on the host.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  BULK_REQUEST_TIMEOUT_MS,
  DEFAULT_LAYOUT,
  EMPTY_QUERY,
  isUnreviewed,
  type Counts,
  type EditRequest,
  type HostEvent,
  type InitInfo,
  type LayoutState,
  type RecordQuery,
  type RecordView,
  type ToolbarCommand,
} from '../../shared/protocol.js';
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import type { Range } from '../../shared/range-set.js';
import type { EditorChannel } from './rpc.js';
import { PAGE_SIZE, RecordPages } from './record-pages.js';
import type { MultiSelection, PositionClick } from './multi-selection.js';
import { ReviewController, type MoveKind } from './review-controller.js';

export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** The floating bulk-edit panels; one is open at a time. */
export type Panel = 'replace' | 'normalize';

/** What the controller asks of the elements on screen (the app shell answers). */
export interface EditorView {
  /** Scrolls the list or the grid to `position` (nothing when it is negative); focuses it when `focus`. */
  reveal(position: number, focus: boolean): void;
}

/** What the webview keeps across reloads of its frame. */
interface SavedState {
  selectedFile: string | null;
  query: RecordQuery;
}

/** A new filter is fetched once typing pauses this long. */
export const FILTER_DELAY_MS = 250;
const UNDO_HINT = '(Ctrl+Z outside a field undoes it)';

export class EditorController implements ReactiveController {
  readonly pages: RecordPages;
  /** The current image, the multi-selection, drafts, commits and reviews (review-controller.ts). */
  readonly reviewer: ReviewController;
  /** Bumped whenever pages or the selection change: the list, the grid and the detail re-render on it. */
  version = 0;
  info: InitInfo | null = null;
  counts: Counts | null = null;
  notice: Notice | null = null;
  query: RecordQuery = EMPTY_QUERY;
  layout: LayoutState = DEFAULT_LAYOUT;
  showOriginal = false;
  showHelp = false;
  panel: Panel | null = null;
  /** When the grid was switched to, for the time to its first tiles. */
  private gridShownAt: number | null = null;
  private firstRowSent = false;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  /** The image to show once its page is loaded (the one shown before a reload or a reset). */
  private pendingSelectFile: string | null = null;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly channel: EditorChannel,
    private readonly view: EditorView,
  ) {
    this.pages = new RecordPages(channel, () => this.changed());
    this.reviewer = new ReviewController(this.pages, (request) => this.sendEdit(request));
    host.addController(this);
  }

  get selection(): MultiSelection {
    return this.reviewer.selection;
  }

  /** Position of the image shown, within the filter's result; -1 with none. */
  get selected(): number {
    return this.reviewer.selected;
  }

  get current(): RecordView | undefined {
    return this.reviewer.current;
  }

  /** Resolves once the host has drawn the latest state. */
  get rendered(): Promise<unknown> {
    return this.host.updateComplete;
  }

  hostConnected(): void {
    this.unsubscribe = this.channel.onEvent((e) => this.onHostEvent(e));
    void this.start();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
  }

  /** After every render: the image shown before a reload is selected as soon as its page is here. */
  hostUpdated(): void {
    if (this.pendingSelectFile === null) return;
    const pos = this.pages.positionOf(this.pendingSelectFile);
    if (pos === undefined) return;
    this.pendingSelectFile = null;
    this.select(pos, false);
  }

  private changed(): void {
    this.version++;
    this.host.requestUpdate();
  }

  private notify(level: Notice['level'], message: string): void {
    this.notice = { level, message };
    this.host.requestUpdate();
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
      this.host.requestUpdate();
      await this.pages.reset(this.query);
      this.select(0, false);
      this.showProblems();
    } catch (err) {
      this.notify('error', `Could not load the manifest: ${(err as Error).message}`);
    }
  }

  private showProblems(): void {
    const problems = this.info?.problems ?? [];
    if (problems.length === 0) return;
    const p = problems[0]!;
    this.notify('warning', `${problems.length} manifest line(s) could not be read and are kept as they are (line ${p.line}: ${p.message})`);
  }

  private onHostEvent(event: HostEvent): void {
    if (event.type === 'recordsChanged') {
      this.counts = event.counts;
      this.pages.replace(event.records);
    } else if (event.type === 'reset') {
      this.counts = event.counts;
      if (this.info) this.info = { ...this.info, loading: false, total: event.total, problems: event.problems };
      this.host.requestUpdate();
      this.showProblems();
      this.pendingSelectFile = this.current?.fileName ?? null;
      // A reset after a bulk edit keeps the selection, so the next bulk action takes the same images.
      void this.pages.reset(this.query).then(() => this.select(Math.min(this.selected, this.pages.total - 1), false, 'keep'));
    } else {
      this.notify(event.level, event.message);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Navigation and the multi-selection

  private saveState(): void {
    const fileName = this.current?.fileName ?? null;
    this.channel.setState<SavedState>({ selectedFile: fileName, query: this.query });
    // The host's commands (Upsample) act on what is selected here.
    this.channel.send({ type: 'selection', fileName, query: this.query, ranges: this.bulkRanges() });
  }

  /** The multi-selection's ranges, which bulk actions take; none when one image (or none) is selected. */
  bulkRanges(): Range[] {
    return this.selection.isMulti ? this.selection.ranges() : [];
  }

  /**
   * Shows the image at `position`. `how` says what happens to the multi-selection: a plain move collapses
   * it onto the image, an extension (Shift) grows it from its anchor, 'keep' leaves it (a click already
   * shaped it).
   */
  select(position: number, focusList = true, how: MoveKind = 'move'): void {
    const pos = this.reviewer.moveTo(position, how);
    this.changed();
    if (pos < 0) return;
    // Keep the neighbourhood loaded so the next moves (and "next unreviewed") are local.
    this.pages.ensure(pos - PAGE_SIZE, pos + 2 * PAGE_SIZE);
    void this.rendered.then(() => this.view.reveal(pos, focusList));
    this.saveState();
  }

  /** A click on a row or tile, with the modifiers that shape the selection. */
  click(click: PositionClick): void {
    this.selection.click(click.position, click);
    this.select(click.position, true, 'keep');
  }

  /** Ctrl+A: every image the filter shows. */
  selectAll(): void {
    this.selection.selectAll(this.pages.total);
    this.changed();
    this.saveState();
  }

  /** Escape: only the image shown stays selected. */
  collapseSelection(): void {
    if (this.selected >= 0) this.selection.collapse(this.selected);
    this.changed();
    this.saveState();
  }

  async nextUnreviewed(direction: 1 | -1): Promise<void> {
    this.commitAll();
    const local = this.pages.findLoaded(this.selected, direction, (r) => isUnreviewed(r));
    if (typeof local === 'number') return this.select(local);
    if (local === null) {
      this.notify('info', direction === 1 ? 'No unreviewed image after this one.' : 'No unreviewed image before this one.');
      return;
    }
    const { position } = await this.channel.request('findNext', { query: this.query, from: this.selected, direction, unreviewedOnly: true });
    if (position === null) this.notify('info', 'No more unreviewed images.');
    else {
      await this.pages.load(Math.floor(position / PAGE_SIZE));
      this.select(position);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Edits and reviews: applied locally first, then sent.

  private sendEdit(request: EditRequest): void {
    this.channel.request('edit', request).then(
      (r) => {
        if (!r.applied) this.notify('warning', r.reason ?? 'The edit was not applied.');
      },
      (err: Error) => this.notify('error', `Edit failed: ${err.message}`),
    );
  }

  /** Text typed into the current image's caption (sent after a pause, or on commit). */
  type(kind: CaptionKind, text: string): void {
    this.reviewer.type(kind, text);
  }

  commit(fileName: string, kind: CaptionKind): void {
    this.reviewer.commit(fileName, kind);
  }

  commitAll(): void {
    this.reviewer.commitAll();
  }

  /** Reviews the current image's captions of `kinds`; false (with a warning) when it has none of them. */
  review(kinds: CaptionKind[], review: ReviewState): boolean {
    if (!this.current) return false;
    if (this.reviewer.review(kinds, review).length > 0) return true;
    this.notify('warning', `No ${kinds.map((k) => k.toUpperCase()).join(' or ')} to review yet.`);
    return false;
  }

  /** Reviews the multi-selection's captions on the host, as one undoable edit. */
  bulkReview(kinds: CaptionKind[], review: ReviewState): void {
    this.commitAll();
    const count = this.selection.count;
    const what = review === null ? 'Cleared the reviews of' : review === 'approved' ? 'Approved' : 'Rejected';
    this.channel.request('bulkReview', { query: this.query, ranges: this.selection.ranges(), kinds, review }, BULK_REQUEST_TIMEOUT_MS).then(
      (r) => {
        const kept = r.kept > 0 ? `; ${r.kept} already decided otherwise were left alone` : '';
        this.notify('info', `${what} ${r.changed} captions of ${count} selected images as one edit ${UNDO_HINT}${kept}.`);
      },
      (err: Error) => this.notify('error', `Bulk review failed: ${err.message}`),
    );
  }

  /** A bulk-edit panel applied its changes. */
  applied(panel: Panel, changed: number): void {
    this.notify('info', `${panel === 'replace' ? 'Replaced in' : 'Normalized'} ${changed} captions as one edit ${UNDO_HINT}.`);
  }

  // -------------------------------------------------------------------------------------------
  // Filter, layout, panels and the host's commands

  setQuery(patch: Partial<RecordQuery>): void {
    this.query = { ...this.query, ...patch };
    this.host.requestUpdate();
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => {
      this.commitAll();
      void this.pages.reset(this.query).then(() => {
        // Positions are within the filter's result: a new filter starts a new selection.
        this.select(0, false, 'move');
        this.notice = this.pages.error ? { level: 'error', message: this.pages.error } : null;
        this.host.requestUpdate();
      });
    }, FILTER_DELAY_MS);
  }

  setLayout(patch: Partial<LayoutState>): void {
    const next = { ...this.layout, ...patch };
    if (next.layout === 'grid' && this.layout.layout !== 'grid') this.gridShownAt = performance.now();
    this.layout = next;
    this.host.requestUpdate();
    this.channel.send({ type: 'layout', state: next });
    const pos = this.selected;
    void this.rendered.then(() => this.view.reveal(pos, true));
  }

  togglePanel(panel: Panel): void {
    this.panel = this.panel === panel ? null : panel;
    this.host.requestUpdate();
  }

  closePanel(): void {
    this.panel = null;
    this.host.requestUpdate();
  }

  toggleHelp(): void {
    this.showHelp = !this.showHelp;
    this.host.requestUpdate();
  }

  toggleOriginal(): void {
    this.showOriginal = !this.showOriginal;
    this.host.requestUpdate();
  }

  /** Runs one of the extension's commands on this dataset; what is typed is sent first, so the command sees it. */
  runCommand(command: ToolbarCommand): void {
    this.commitAll();
    this.channel.send({ type: 'command', command });
  }

  // -------------------------------------------------------------------------------------------
  // What the list and the grid report

  /** The first screen of the editor (once: a list made again after the grid is not a first screen). */
  firstRow(rows: number): void {
    if (this.firstRowSent) return;
    this.firstRowSent = true;
    this.channel.send({ type: 'firstRender', ms: performance.now(), rows });
  }

  gridTiles(tiles: number): void {
    if (this.gridShownAt === null) return;
    this.channel.send({ type: 'gridRender', ms: performance.now() - this.gridShownAt, tiles });
    this.gridShownAt = null;
  }

  async loadThumbnails(fileNames: string[]): Promise<void> {
    try {
      const uris = await this.channel.request('thumbnails', { fileNames });
      for (const [fileName, thumb] of Object.entries(uris)) if (thumb) this.pages.patch(fileName, (r) => ({ ...r, thumb }));
    } catch (err) {
      this.channel.send({ type: 'log', level: 'error', message: `thumbnails: ${(err as Error).message}` });
    }
  }
}

// The caption editor: a CustomEditorProvider for recaption.jsonl. The host owns the CaptionDocument; each
// webview renders pages of it and sends edits. Pages, thumbnails and find & replace are served from here.
import * as vscode from 'vscode';
import { showError } from '../notify.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptionDocument } from './caption-document.js';
import { HostChannel, type RequestHandlers } from './host-channel.js';
import { isEmptyQuery, planReplace } from '../../core/dataset/query.js';
import { QueryIndex } from '../../core/dataset/query-index.js';
import type { ManifestRegistry } from '../../core/document/manifest-registry.js';
import { ThumbnailCache } from './thumbnails.js';
import { PatternSandbox } from '../../core/dataset/pattern-sandbox.js';
import { PATTERN_WORKER_HEAP_MB } from '../../core/limits.js';
import { Worker } from 'node:worker_threads';
import { planNormalization } from './normalize.js';
import { editorHtml } from './html.js';
import { defectBitsOf } from '../../core/analysis/defects.js';
import { flagsOfBits } from '../../shared/defect-flags.js';
import { MANIFEST_NAME, type ManifestRecord } from '../../shared/record.js';
import { checkRecordQuery, EMPTY_QUERY, isUnreviewed, type RecordQuery } from '../../shared/record-query.js';
import { layoutStateOf, MAX_PAGE, TOOLBAR_COMMANDS, type BulkReviewSpec, type NormalizeSpec, type ReplaceSpec, type RecordView, type WebviewEvent } from '../../shared/protocol.js';
import { checkRanges, type Range } from '../../shared/range-set.js';

export const CAPTION_EDITOR_VIEW_TYPE = 'recaption.captionEditor';
const MAX_PREVIEW = 200;
/** Whether a manifest's index starts as the editor opens (a core to spare for its worker) or after the first screen. */
const INDEX_AT_OPEN = os.availableParallelism() > 2;
/** Where the editor's layout (list or grid, tile size) is remembered, per workspace. */
const LAYOUT_KEY = 'recaption.editorLayout';

export class CaptionEditorProvider implements vscode.CustomEditorProvider<CaptionDocument> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<CaptionDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly documents = new Set<CaptionDocument>();
  readonly thumbnails: ThumbnailCache;
  /** Time from resolveCustomEditor to the webview's first rendered row, per document (for tests and perf). */
  readonly firstRenderMs = new Map<string, number>();
  /** What each document's webview shows: the current image and the filter (see `selectionOf`). */
  private readonly selections = new WeakMap<CaptionDocument, { fileName: string | null; query: RecordQuery; ranges: Range[] }>();
  /** One filtered index per document, shared by its pages, find-next and selection. */
  private readonly indexes = new WeakMap<CaptionDocument, QueryIndex>();
  /** The request handlers of each open editor panel, the webview's only way in (tests time them). */
  private readonly handlersOf = new WeakMap<CaptionDocument, RequestHandlers>();
  private readonly firstRenderEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; ms: number; rows: number }>();
  readonly onDidFirstRender = this.firstRenderEmitter.event;
  private readonly gridRenderEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; ms: number; tiles: number }>();
  /** The grid drew its first tiles after a switch to it (for tests and perf). */
  readonly onDidGridRender = this.gridRenderEmitter.event;
  /** Where users' regular expressions (the filter, find & replace) run: a worker with a deadline. */
  readonly patterns: PatternSandbox;

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** The one model per manifest that the editor, runs and commands share. */
    readonly registry: ManifestRegistry,
    readonly log: vscode.LogOutputChannel = vscode.window.createOutputChannel('Recaption', { log: true }),
  ) {
    this.thumbnails = new ThumbnailCache(vscode.Uri.joinPath(context.globalStorageUri, 'thumbnails').fsPath);
    // Started on the first regular expression, as the index worker is on the first open.
    this.patterns = new PatternSandbox(
      (workerData) => new Worker(path.join(context.extensionPath, 'dist', 'pattern-worker.js'), { workerData, resourceLimits: { maxOldGenerationSizeMb: PATTERN_WORKER_HEAP_MB } }),
    );
  }

  static register(context: vscode.ExtensionContext, registry: ManifestRegistry): CaptionEditorProvider {
    const provider = new CaptionEditorProvider(context, registry);
    context.subscriptions.push(
      provider.log,
      { dispose: () => provider.patterns.dispose() },
      vscode.window.registerCustomEditorProvider(CAPTION_EDITOR_VIEW_TYPE, provider, {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: false,
      }),
    );
    return provider;
  }

  /** Open documents, for commands and tests. */
  /** What an open editor of `doc` answers its webview with (for tests that time the host's answers). */
  requestHandlers(doc: CaptionDocument): RequestHandlers | undefined {
    return this.handlersOf.get(doc);
  }

  openDocuments(): readonly CaptionDocument[] {
    return [...this.documents];
  }

  /**
   * The editor's selection: the image it shows, the images its filter shows (null when no filter is set,
   * i.e. every image) and the images multi-selected (null when none are). Undefined before the webview
   * reported anything.
   */
  selectionOf(doc: CaptionDocument): { current: string | null; filtered: string[] | null; selected: string[] | null } | undefined {
    const s = this.selections.get(doc);
    if (!s) return undefined;
    if (!doc.loaded) return { current: s.fileName, filtered: null, selected: null };
    const index = this.indexOf(doc);
    // A filter not searched yet, or a stale selection: that part is unknown, not guessed.
    const attempt = <T>(read: () => T): T | null => {
      try {
        return read();
      } catch {
        return null;
      }
    };
    const names = doc.store.names();
    const selected = s.ranges.length > 0 ? attempt(() => Array.from(index.rowsOf(doc.store, doc.generation, s.query, s.ranges), (row) => names[row]!)) : null;
    return { current: s.fileName, filtered: isEmptyQuery(s.query) ? null : attempt(() => index.matchingNames(doc.store, doc.generation, s.query)), selected };
  }

  private indexOf(doc: CaptionDocument): QueryIndex {
    let index = this.indexes.get(doc);
    if (!index) this.indexes.set(doc, (index = new QueryIndex()));
    return index;
  }

  /** A bulk review of a multi-selection (the webview's `bulkReview` request), as one undoable edit. */
  async bulkReview(doc: CaptionDocument, { query, ranges, kinds, review }: BulkReviewSpec): Promise<{ changed: number; kept: number }> {
    const index = await this.preparedIndex(doc, query);
    const started = performance.now();
    const rows = index.rowsOf(doc.store, doc.generation, query, ranges);
    const result = doc.applyBulkReview(rows, kinds, review);
    this.log.info(`bulk review (${review ?? 'clear'}) of ${rows.length} records: ${result.changed} captions changed, ${result.kept} kept, in ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  }

  /** Find & replace over what the filter shows, or the multi-selection in it, as one undoable edit. */
  async replaceIn(doc: CaptionDocument, spec: ReplaceSpec): Promise<{ changed: number }> {
    await this.preparedIndex(doc, spec.query);
    return { changed: doc.applyReplace(await planReplace(this.shownRecords(doc, spec.query, spec.ranges), spec, this.patterns)) };
  }

  /** The normalizers over what the filter shows, or the multi-selection in it, as one undoable edit. */
  async normalizeIn(doc: CaptionDocument, spec: NormalizeSpec): Promise<{ changed: number }> {
    await this.preparedIndex(doc, spec.query);
    return { changed: doc.applyNormalization(planNormalization(this.shownRecords(doc, spec.query, spec.ranges), spec), spec.includeProtected) };
  }

  /**
   * The document's query index with `query` searched: loaded, the columns it needs filled, and a regular
   * expression run in the pattern sandbox. Throws QueryError for a bad or cut-off pattern.
   */
  private async preparedIndex(doc: CaptionDocument, query: RecordQuery): Promise<QueryIndex> {
    await doc.ready;
    await this.columnsFor(doc, query);
    const index = this.indexOf(doc);
    await index.prepare(doc.store, query, this.patterns);
    return index;
  }

  /**
   * Fills the columns a query needs that a page of rows cannot tell: the flag filter and order need every
   * record's flags, the duplicates filter the duplicates pass (each one pass, the first time it is used).
   */
  private async columnsFor(doc: CaptionDocument, query: RecordQuery): Promise<void> {
    if (query.duplicates && !doc.store.duplicatesReady) await doc.model.computeDuplicates();
    if ((query.flag === 'any' && query.order !== 'flagged') || doc.store.defectsReady) return;
    const startedFlagging = performance.now();
    await doc.model.computeDefects();
    this.log.info(`flagged the defects of ${doc.store.size} records of ${doc.uri.fsPath} in ${(performance.now() - startedFlagging).toFixed(0)} ms`);
  }

  /**
   * What the filter shows, or the multi-selection within it, through the index (which also knows the
   * filters a single record cannot tell, such as "has duplicates"), for find & replace and normalize.
   */
  private *shownRecords(doc: CaptionDocument, query: RecordQuery, ranges: readonly Range[]): Generator<ManifestRecord> {
    if (ranges.length === 0 && isEmptyQuery(query)) return yield* doc.store.records();
    const index = this.indexOf(doc);
    const names = doc.store.names();
    // Resolved once: a find & replace reads the records between its pattern batches, while the index may move on.
    const rows = ranges.length > 0 ? index.rowsOf(doc.store, doc.generation, query, ranges) : index.positionsFor(doc.store, doc.generation, query)!;
    for (const row of rows) {
      const record = doc.store.get(names[row]!);
      if (record) yield record;
    }
  }

  /** The open caption editor a command was invoked from (its manifest Uri, or the active tab without one). */
  invokingDocument(uri: vscode.Uri | undefined): CaptionDocument | undefined {
    let manifest = uri?.fsPath;
    if (!uri) {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (input instanceof vscode.TabInputCustom) manifest = input.uri.fsPath;
    }
    if (!manifest || path.basename(manifest) !== MANIFEST_NAME) return undefined;
    return this.openDocuments().find((d) => d.uri.fsPath === manifest);
  }

  documentFor(folder: string): CaptionDocument | undefined {
    return [...this.documents].find((d) => path.resolve(d.folder) === path.resolve(folder));
  }

  async openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<CaptionDocument> {
    const started = performance.now();
    const doc = await CaptionDocument.open(uri, context.backupId, this.registry);
    this.documents.add(doc);
    this.log.info(`opened ${uri.fsPath}: first ${doc.head.length} records in ${(performance.now() - started).toFixed(0)} ms`);
    doc.loadedPromise.then(
      () => this.log.info(`loaded ${uri.fsPath}: ${doc.store.size} records, ${doc.store.problems.length} unreadable lines, in ${(performance.now() - started).toFixed(0)} ms`),
      (err: Error) => {
        this.log.error(`cannot load ${uri.fsPath}: ${err.message}`);
        void showError(`Recaption cannot load ${uri.fsPath}: ${err.message}`);
      },
    );
    if (context.backupId && doc.hasUnsavedEdits) {
      // The restored edits are unsaved: tell VS Code so its dirty marker shows.
      setTimeout(() => this.changeEmitter.fire({ document: doc, label: 'Restore unsaved edits', undo: () => undefined, redo: () => undefined }), 0);
    }
    // The registry indexes in a worker thread. With cores to spare it starts now, beside the first screen;
    // on two cores it would slow the webview's start-up (measured: first row 1.5–2 s later), so it waits for
    // the first screen, or for 15 s if no webview asks for one.
    const fallback = setTimeout(() => void doc.ready, INDEX_AT_OPEN ? 0 : 15_000);
    const forward = doc.onDidChangeCustomDocument((e) => this.changeEmitter.fire(e));
    const conflicts = doc.onDidFindConflicts(() => void this.askAboutConflicts(doc));
    // The model tells its own writes (saves, run checkpoints) from others' by the file's stamp.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)));
    const onDisk = () => void doc.ready.then(() => doc.mergeFromDisk()).catch((err: Error) => this.log.error(`cannot merge ${uri.fsPath}: ${err.message}`));
    watcher.onDidChange(onDisk);
    watcher.onDidCreate(onDisk);
    doc.onDidDispose(() => {
      clearTimeout(fallback);
      forward.dispose();
      conflicts.dispose();
      watcher.dispose();
      this.documents.delete(doc);
    });
    return doc;
  }

  private asking = new Set<CaptionDocument>();

  /** A change on disk and an unsaved edit touched the same caption as people: ask, once at a time. */
  private async askAboutConflicts(doc: CaptionDocument): Promise<void> {
    if (this.asking.has(doc)) return;
    this.asking.add(doc);
    try {
      // Dismissed: the edits stay on top and the save asks again.
      await doc.settleConflicts(false);
    } finally {
      this.asking.delete(doc);
    }
  }

  async resolveCustomEditor(doc: CaptionDocument, panel: vscode.WebviewPanel): Promise<void> {
    const started = performance.now();
    const folderUri = vscode.Uri.file(doc.folder);
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const thumbRoot = vscode.Uri.file(this.thumbnails.cacheDir);
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, folderUri, thumbRoot] };
    panel.webview.html = editorHtml(panel.webview, dist);

    const webview = panel.webview;
    const toUri = (file: string): string => webview.asWebviewUri(vscode.Uri.file(file)).toString();
    const view = async (record: ManifestRecord, index: number): Promise<RecordView> => {
      const thumb = await this.thumbnails.cached(doc.folder, record);
      return {
        fileName: record.file_name,
        index,
        width: record.width,
        height: record.height,
        alt: record.alt,
        ssc: record.ssc,
        dsc: record.dsc,
        error: record.error,
        missing: record.missing === true,
        image: toUri(path.join(doc.folder, ...record.file_name.split('/'))),
        thumb: thumb ? toUri(thumb) : null,
        flags: flagsOfBits(defectBitsOf(record, doc.store.defectThresholds)),
      };
    };
    const headView = async (offset: number, limit: number): Promise<RecordView[]> =>
      Promise.all(doc.head.slice(offset, offset + Math.min(limit, MAX_PAGE)).map((r, i) => view(r, offset + i)));
    const index = this.indexOf(doc);
    const handlers: RequestHandlers = {
      init: () => ({
        folderName: path.basename(doc.folder),
        manifestName: path.basename(doc.uri.fsPath),
        total: doc.loaded ? doc.store.size : doc.head.length,
        counts: doc.getCounts(),
        problems: doc.loaded ? doc.store.problems.map((p) => ({ line: p.line, message: p.message })) : [],
        readOnly: false,
        loading: !doc.loaded,
        layout: layoutStateOf(this.context.workspaceState.get(LAYOUT_KEY)),
      }),
      page: async ({ query, offset, limit }) => {
        // The first screen comes from the head of the file while the rest loads.
        if (!doc.loaded && isEmptyQuery(query) && offset + limit <= doc.head.length) {
          return { total: doc.head.length, offset, records: await headView(offset, limit), error: null };
        }
        let total: number;
        try {
          await this.preparedIndex(doc, query);
          total = index.total(doc.store, doc.generation, query);
        } catch (err) {
          return { total: 0, offset, records: [], error: (err as Error).message };
        }
        const names = doc.store.names();
        const end = Math.min(total, offset + limit);
        const records: RecordView[] = [];
        for (let i = offset; i < end; i++) {
          const at = index.positionAt(doc.store, doc.generation, query, i);
          records.push(await view(doc.store.get(names[at]!)!, at));
        }
        return { total, offset, records, error: null };
      },
      thumbnails: async ({ fileNames }) => {
        await doc.ready;
        const out: Record<string, string | null> = {};
        await Promise.all(
          fileNames.slice(0, MAX_PAGE).map(async (name) => {
            const record = doc.store.get(name);
            const file = record ? await this.thumbnails.get(doc.folder, record) : null;
            out[name] = file ? toUri(file) : null;
          }),
        );
        return out;
      },
      findNext: async ({ query, from, direction, unreviewedOnly }) => {
        await this.preparedIndex(doc, query);
        const total = index.total(doc.store, doc.generation, query);
        for (let p = from + direction; p >= 0 && p < total; p += direction) {
          if (!unreviewedOnly || isUnreviewed(doc.store.factsAt(index.positionAt(doc.store, doc.generation, query, p)))) return { position: p };
        }
        return { position: null };
      },
      previewReplace: async (spec) => {
        try {
          await this.preparedIndex(doc, spec.query);
          const changes = await planReplace(this.shownRecords(doc, spec.query, spec.ranges), spec, this.patterns);
          return { total: changes.length, changes: changes.slice(0, MAX_PREVIEW), error: null };
        } catch (err) {
          return { total: 0, changes: [], error: (err as Error).message };
        }
      },
      applyReplace: (spec) => this.replaceIn(doc, spec),
      previewNormalize: async (spec) => {
        try {
          await this.preparedIndex(doc, spec.query);
          const changes = planNormalization(this.shownRecords(doc, spec.query, spec.ranges), spec);
          return { total: changes.length, changes: changes.slice(0, MAX_PREVIEW), error: null };
        } catch (err) {
          return { total: 0, changes: [], error: (err as Error).message };
        }
      },
      applyNormalize: (spec) => this.normalizeIn(doc, spec),
      // An edit made on the first screen before the full load is applied once it is loaded.
      edit: async (request) => {
        await doc.ready;
        return doc.applyEdit(request);
      },
      bulkReview: (spec) => this.bulkReview(doc, spec),
    };

    const onEvent = (event: WebviewEvent): void => {
      if (event.type === 'firstRender') {
        // The first screen is up: the index may have the CPU now.
        void doc.ready;
        // Untrusted numbers: only what is finite is logged.
        if (!Number.isFinite(event.ms) || !Number.isFinite(event.rows)) return;
        const ms = performance.now() - started;
        this.firstRenderMs.set(doc.uri.toString(), ms);
        this.log.info(`first row of ${doc.uri.fsPath} rendered ${ms.toFixed(0)} ms after the editor was created, ${event.ms.toFixed(0)} ms after the webview page started (${event.rows} rows)`);
        this.firstRenderEmitter.fire({ uri: doc.uri, ms, rows: event.rows });
      } else if (event.type === 'gridRender') {
        if (!Number.isFinite(event.ms) || !Number.isFinite(event.tiles)) return;
        this.log.info(`grid of ${doc.uri.fsPath}: first ${event.tiles} tiles ${event.ms.toFixed(0)} ms after switching`);
        this.gridRenderEmitter.fire({ uri: doc.uri, ms: event.ms, tiles: event.tiles });
      } else if (event.type === 'command') {
        // Only the commands the toolbar offers, always on this editor's dataset folder.
        if ((TOOLBAR_COMMANDS as readonly string[]).includes(event.command)) {
          // Upsample and export act on the editor's selection, so they get the manifest (this editor), not the folder.
          const target = event.command === 'recaption.upsample' || event.command === 'recaption.exportFineTuneSet' ? doc.uri : vscode.Uri.file(doc.folder);
          void vscode.commands.executeCommand(event.command, target).then(undefined, (err: Error) => {
            void showError(`${event.command}: ${err.message}`);
          });
        }
      } else if (event.type === 'selection') {
        // Untrusted input: keep it only when it has the expected shape.
        const fileName = typeof event.fileName === 'string' ? event.fileName : null;
        const query = { ...EMPTY_QUERY, ...(typeof event.query === 'object' && event.query !== null ? event.query : {}) };
        const ranges = checkRanges(event.ranges) === null ? event.ranges : [];
        if (checkRecordQuery(query) === null) this.selections.set(doc, { fileName, query, ranges });
      } else if (event.type === 'layout') {
        void this.context.workspaceState.update(LAYOUT_KEY, layoutStateOf(event.state));
      } else if (event.type === 'log' && event.level === 'error') {
        console.error(`[recaption webview] ${event.message}`);
      }
    };
    const channel = new HostChannel(webview, handlers, onEvent);
    this.handlersOf.set(doc, handlers);
    const subscriptions = [
      channel,
      doc.onDidChangeRecords(async (names) => {
        if (!doc.loaded) return;
        const records = await Promise.all(
          names.flatMap((n) => {
            const r = doc.store.get(n);
            return r ? [view(r, doc.store.positionOf(n))] : [];
          }),
        );
        channel.post({ type: 'recordsChanged', records, counts: doc.getCounts() });
      }),
      doc.onDidReset(() => channel.post({ type: 'reset', total: doc.store.size, counts: doc.getCounts(), problems: doc.store.problems.map((p) => ({ line: p.line, message: p.message })) })),
    ];
    panel.onDidDispose(() => {
      this.handlersOf.delete(doc);
      subscriptions.forEach((s) => s.dispose());
    });
  }

  saveCustomDocument(doc: CaptionDocument): Thenable<void> {
    return doc.save();
  }

  saveCustomDocumentAs(doc: CaptionDocument, destination: vscode.Uri): Thenable<void> {
    return doc.saveAs(destination);
  }

  revertCustomDocument(doc: CaptionDocument): Thenable<void> {
    return doc.revert();
  }

  backupCustomDocument(doc: CaptionDocument, context: vscode.CustomDocumentBackupContext): Thenable<vscode.CustomDocumentBackup> {
    return doc.backup(context.destination);
  }
}

// The caption editor: a CustomEditorProvider for recaption.jsonl. Each document's EditorSession (src/core)
// answers its webview; here each protocol request is one line to it, and VS Code's side is wired up: the
// undo stack and dirty marker, thumbnails as webview URIs, and the panel's lifetime.
import * as vscode from 'vscode';
import { showError } from '../notify.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CaptionDocument } from './caption-document.js';
import { HostChannel, type RequestHandlers } from './host-channel.js';
import { editorHtml } from './html.js';
import { ThumbnailCache } from './thumbnails.js';
import { WebviewEvents } from './webview-events.js';
import { PatternSandbox } from '../../core/dataset/pattern-sandbox.js';
import type { EditorSelection } from '../../core/document/editor-session.js';
import type { ManifestRegistry } from '../../core/document/manifest-registry.js';
import { PATTERN_WORKER_HEAP_MB } from '../../core/limits.js';
import { MANIFEST_NAME } from '../../shared/record.js';

export const CAPTION_EDITOR_VIEW_TYPE = 'recaption.captionEditor';
/** Whether a manifest's index starts as the editor opens (a core to spare for its worker) or after the first screen. */
const INDEX_AT_OPEN = os.availableParallelism() > 2;

export class CaptionEditorProvider implements vscode.CustomEditorProvider<CaptionDocument> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<CaptionDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly documents = new Set<CaptionDocument>();
  /** The request handlers of each open editor panel, the webview's only way in (tests time them). */
  private readonly handlersOf = new WeakMap<CaptionDocument, RequestHandlers>();
  readonly thumbnails: ThumbnailCache;
  readonly events: WebviewEvents;
  readonly onDidFirstRender: WebviewEvents['onDidFirstRender'];
  /** Where users' regular expressions (the filter, find & replace) run: a worker with a deadline, started on the first. */
  readonly patterns: PatternSandbox;

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** The one model per manifest that the editor, runs and commands share. */
    readonly registry: ManifestRegistry,
    readonly log: vscode.LogOutputChannel = vscode.window.createOutputChannel('Recaption', { log: true }),
  ) {
    this.thumbnails = new ThumbnailCache(vscode.Uri.joinPath(context.globalStorageUri, 'thumbnails').fsPath);
    this.patterns = new PatternSandbox((workerData) => new Worker(path.join(context.extensionPath, 'dist', 'pattern-worker.js'), { workerData, resourceLimits: { maxOldGenerationSizeMb: PATTERN_WORKER_HEAP_MB } }));
    this.events = new WebviewEvents(context.workspaceState, log);
    this.onDidFirstRender = this.events.onDidFirstRender;
  }

  static register(context: vscode.ExtensionContext, registry: ManifestRegistry): CaptionEditorProvider {
    const provider = new CaptionEditorProvider(context, registry);
    const options = { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: false };
    context.subscriptions.push(provider.log, provider.events, { dispose: () => provider.patterns.dispose() }, vscode.window.registerCustomEditorProvider(CAPTION_EDITOR_VIEW_TYPE, provider, options));
    return provider;
  }

  /** What an open editor of `doc` answers its webview with (for tests that time the host's answers). */
  requestHandlers(doc: CaptionDocument): RequestHandlers | undefined {
    return this.handlersOf.get(doc);
  }

  /** Open documents, for commands and tests. */
  openDocuments(): readonly CaptionDocument[] {
    return [...this.documents];
  }

  /** The editor's selection (see EditorSession.selection); undefined before its webview reported any. */
  selectionOf(doc: CaptionDocument): EditorSelection | undefined {
    return doc.session.selection();
  }

  /** The open caption editor a command was invoked from (its manifest Uri, or the active tab without one). */
  invokingDocument(uri: vscode.Uri | undefined): CaptionDocument | undefined {
    const input = uri ? undefined : vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const manifest = uri?.fsPath ?? (input instanceof vscode.TabInputCustom ? input.uri.fsPath : undefined);
    if (!manifest || path.basename(manifest) !== MANIFEST_NAME) return undefined;
    return this.openDocuments().find((d) => d.uri.fsPath === manifest);
  }

  documentFor(folder: string): CaptionDocument | undefined {
    return [...this.documents].find((d) => path.resolve(d.folder) === path.resolve(folder));
  }

  async openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<CaptionDocument> {
    const started = performance.now();
    const doc = await CaptionDocument.open(uri, context.backupId, this.registry, this.patterns, this.log);
    const model = doc.model;
    this.documents.add(doc);
    this.log.info(`opened ${uri.fsPath}: first ${model.head.length} records in ${(performance.now() - started).toFixed(0)} ms`);
    model.loadedPromise.then(
      () => this.log.info(`loaded ${uri.fsPath}: ${model.size} records, ${model.problems.length} unreadable lines, in ${(performance.now() - started).toFixed(0)} ms`),
      (err: Error) => {
        this.log.error(`cannot load ${uri.fsPath}: ${err.message}`);
        void showError(`Recaption cannot load ${uri.fsPath}: ${err.message}`);
      },
    );
    // The restored edits are unsaved: tell VS Code so its dirty marker shows.
    if (context.backupId && model.hasUnsavedEdits) setTimeout(() => this.changeEmitter.fire({ document: doc, label: 'Restore unsaved edits', undo: () => undefined, redo: () => undefined }), 0);
    // The registry indexes in a worker thread. With cores to spare it starts now, beside the first screen;
    // on two cores it would slow the webview's start-up (measured: first row 1.5–2 s later), so it waits for
    // the first screen, or for 15 s if no webview asks for one.
    const fallback = setTimeout(() => void doc.ready, INDEX_AT_OPEN ? 0 : 15_000);
    const edits = model.onDidEdit((e) => this.changeEmitter.fire({ document: doc, ...e }));
    doc.onDidDispose(() => {
      clearTimeout(fallback);
      edits.dispose();
      this.documents.delete(doc);
    });
    return doc;
  }

  async resolveCustomEditor(doc: CaptionDocument, panel: vscode.WebviewPanel): Promise<void> {
    const started = performance.now();
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist, vscode.Uri.file(doc.folder), vscode.Uri.file(this.thumbnails.cacheDir)] };
    webview.html = editorHtml(webview, dist);
    const viewer = this.thumbnails.viewer(doc.folder, (file) => webview.asWebviewUri(vscode.Uri.file(file)).toString());
    const session = doc.session;
    const handlers: RequestHandlers = {
      init: () => ({ ...session.summary(), layout: this.events.layout() }),
      page: (params) => session.page(params, viewer),
      thumbnails: (params) => session.thumbnails(params, viewer),
      findNext: (params) => session.findNext(params),
      previewReplace: (spec) => session.previewReplace(spec),
      applyReplace: (spec) => session.applyReplace(spec),
      previewNormalize: (spec) => session.previewNormalize(spec),
      applyNormalize: (spec) => session.applyNormalize(spec),
      edit: (request) => session.edit(request),
      bulkReview: (spec) => session.bulkReview(spec),
    };
    const channel = new HostChannel(webview, handlers, this.events.handlerFor(doc, started));
    this.handlersOf.set(doc, handlers);
    const subscriptions = [
      channel,
      doc.model.onDidChangeRecords((names) => void session.changedViews(names, viewer).then((views) => views && channel.post({ type: 'recordsChanged', ...views }))),
      doc.model.onDidReset(() => channel.post({ type: 'reset', ...session.resetState() })),
    ];
    panel.onDidDispose(() => {
      this.handlersOf.delete(doc);
      subscriptions.forEach((s) => s.dispose());
    });
  }

  saveCustomDocument = (doc: CaptionDocument): Thenable<void> => doc.save();
  saveCustomDocumentAs = (doc: CaptionDocument, destination: vscode.Uri): Thenable<void> => doc.model.saveAs(destination.fsPath);
  revertCustomDocument = (doc: CaptionDocument): Thenable<void> => doc.model.revert();
  backupCustomDocument = (doc: CaptionDocument, context: vscode.CustomDocumentBackupContext): Thenable<vscode.CustomDocumentBackup> => doc.backup(context.destination);
}

// What an editor's webview tells the host without asking (events, untrusted like every message): its first
// rendered rows and grid tiles (for tests and the perf log), a toolbar command, what it shows (the
// selection the host's commands act on), its layout, and its errors.
import * as vscode from 'vscode';
import { showError } from '../notify.js';
import type { CaptionDocument } from './caption-document.js';
import { checkRanges } from '../../shared/range-set.js';
import { checkRecordQuery, EMPTY_QUERY } from '../../shared/record-query.js';
import { layoutStateOf, TOOLBAR_COMMANDS, type LayoutState, type ToolbarCommand, type WebviewEvent } from '../../shared/protocol.js';

/** Where the editor's layout (list or grid, tile size) is remembered, per workspace. */
const LAYOUT_KEY = 'recaption.editorLayout';

export class WebviewEvents implements vscode.Disposable {
  private readonly firstRenderEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; ms: number; rows: number }>();
  /** Time from resolveCustomEditor to the webview's first rendered row. */
  readonly onDidFirstRender = this.firstRenderEmitter.event;
  private readonly gridRenderEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; ms: number; tiles: number }>();
  /** The grid drew its first tiles after a switch to it. */
  readonly onDidGridRender = this.gridRenderEmitter.event;

  constructor(
    private readonly workspaceState: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The layout this workspace last used (stored state is checked too). */
  layout(): LayoutState {
    return layoutStateOf(this.workspaceState.get(LAYOUT_KEY));
  }

  /** The handler of one editor panel's events; `opened` is when its editor was created. */
  handlerFor(doc: CaptionDocument, opened: number): (event: WebviewEvent) => void {
    return (event) => {
      if (event.type === 'firstRender') {
        // The first screen is up: the index may have the CPU now.
        void doc.ready;
        // Untrusted numbers: only what is finite is logged.
        if (!Number.isFinite(event.ms) || !Number.isFinite(event.rows)) return;
        const ms = performance.now() - opened;
        this.log.info(`first row of ${doc.uri.fsPath} rendered ${ms.toFixed(0)} ms after the editor was created, ${event.ms.toFixed(0)} ms after the webview page started (${event.rows} rows)`);
        this.firstRenderEmitter.fire({ uri: doc.uri, ms, rows: event.rows });
      } else if (event.type === 'gridRender') {
        if (!Number.isFinite(event.ms) || !Number.isFinite(event.tiles)) return;
        this.log.info(`grid of ${doc.uri.fsPath}: first ${event.tiles} tiles ${event.ms.toFixed(0)} ms after switching`);
        this.gridRenderEmitter.fire({ uri: doc.uri, ms: event.ms, tiles: event.tiles });
      } else if (event.type === 'command') {
        this.runToolbarCommand(doc, event.command);
      } else if (event.type === 'selection') {
        // Untrusted input: keep it only when it has the expected shape.
        const fileName = typeof event.fileName === 'string' ? event.fileName : null;
        const query = { ...EMPTY_QUERY, ...(typeof event.query === 'object' && event.query !== null ? event.query : {}) };
        const ranges = checkRanges(event.ranges) === null ? event.ranges : [];
        if (checkRecordQuery(query) === null) doc.session.select({ fileName, query, ranges });
      } else if (event.type === 'layout') {
        void this.workspaceState.update(LAYOUT_KEY, layoutStateOf(event.state));
      } else if (event.type === 'log' && event.level === 'error') {
        console.error(`[recaption webview] ${event.message}`);
      }
    };
  }

  /** Only the commands the toolbar offers, always on this editor's dataset. */
  private runToolbarCommand(doc: CaptionDocument, command: ToolbarCommand): void {
    if (!(TOOLBAR_COMMANDS as readonly string[]).includes(command)) return;
    // Upsample and export act on the editor's selection, so they get the manifest (this editor), not the folder.
    const target = command === 'recaption.upsample' || command === 'recaption.exportFineTuneSet' ? doc.uri : vscode.Uri.file(doc.folder);
    void vscode.commands.executeCommand(command, target).then(undefined, (err: Error) => {
      void showError(`${command}: ${err.message}`);
    });
  }

  dispose(): void {
    this.firstRenderEmitter.dispose();
    this.gridRenderEmitter.dispose();
  }
}

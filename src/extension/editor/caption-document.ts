// The caption editor's document for VS Code: a thin adapter over the registry's edit model and the
// editor's session (src/core/document). It holds the model's lease, merges its file when someone else
// changes it, asks the user about conflicts with their unsaved edits, and writes hot-exit backups (which
// hold only the unsaved edits).
import * as vscode from 'vscode';
import { showWarning } from '../notify.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/dataset/atomic-write.js';
import type { PatternRunner } from '../../core/dataset/pattern-runner.js';
import type { CaptionEditModel } from '../../core/document/caption-edit-model.js';
import { EditorSession } from '../../core/document/editor-session.js';
import type { ManifestLease, ManifestRegistry } from '../../core/document/manifest-registry.js';
import { backupText, readBackup } from '../../core/document/unsaved-backup.js';

/** Where a document writes what it did and what failed. */
export type DocumentLog = Pick<vscode.LogOutputChannel, 'info' | 'error'>;

const SILENT: DocumentLog = { info: () => undefined, error: () => undefined };

export class CaptionDocument implements vscode.CustomDocument {
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  /** What the editor's webview asks of the dataset. */
  readonly session: EditorSession;
  private readonly subscriptions: vscode.Disposable[];
  private asking = false;

  private constructor(
    readonly uri: vscode.Uri,
    private readonly lease: ManifestLease,
    patterns: PatternRunner,
    log: DocumentLog,
  ) {
    this.session = new EditorSession(lease.model, patterns, (line) => log.info(line));
    // The model tells its own writes (saves, run checkpoints) from others' by the file's stamp.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)));
    const onDisk = () => void this.ready.then(() => this.model.mergeFromDisk()).catch((err: Error) => log.error(`cannot merge ${uri.fsPath}: ${err.message}`));
    this.subscriptions = [watcher, watcher.onDidChange(onDisk), watcher.onDidCreate(onDisk), lease.model.onDidFindConflicts(() => void this.askAboutConflicts())];
  }

  /**
   * Opens the document on the registry's model of the file. Without a backup it returns once the head of
   * the file is read (the full load goes on behind `ready`); with one it waits for the load and the restore.
   */
  static async open(uri: vscode.Uri, backupId: string | undefined, registry: ManifestRegistry, patterns: PatternRunner, log: DocumentLog = SILENT): Promise<CaptionDocument> {
    const lease = await registry.acquire(uri.fsPath);
    const doc = new CaptionDocument(uri, lease, patterns, log);
    try {
      if (backupId) {
        await doc.ready;
        const file = vscode.Uri.parse(backupId).fsPath;
        const backup = readBackup(await fs.readFile(file, 'utf8'), file);
        doc.model.restoreUnsaved(backup.captions, backup.reviews);
      } else if (doc.model.head.length === 0) {
        await doc.ready; // nothing to show early: surface load errors now
      }
    } catch (err) {
      doc.dispose();
      throw err;
    }
    return doc;
  }

  /** The records as the editor shows them: the saved ones with the unsaved edits on top. */
  get model(): CaptionEditModel {
    return this.lease.model;
  }

  /** Starts the full load (once) and resolves when it is done. */
  get ready(): Promise<void> {
    return this.model.ready;
  }

  get folder(): string {
    return path.dirname(this.uri.fsPath);
  }

  dispose(): void {
    this.disposeEmitter.fire();
    // Closed without saving: the unsaved edits go with the editor, even if a run still holds the model.
    if (this.model.loaded) this.model.discardUnsaved();
    for (const s of this.subscriptions) s.dispose();
    this.disposeEmitter.dispose();
    this.lease.release();
  }

  /** A change on disk and an unsaved edit touched the same caption as people: ask, once at a time. */
  private async askAboutConflicts(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      // Dismissed: the edits stay on top and the save asks again.
      await this.settleConflicts(false);
    } finally {
      this.asking = false;
    }
  }

  /** Asks how to settle conflicts from a merge; true when none are left. */
  async settleConflicts(modal: boolean): Promise<boolean> {
    const conflicts = this.model.conflicts();
    if (conflicts.length === 0) return true;
    const first = conflicts.slice(0, 3).map((c) => `${c.fileName} ${c.kind.toUpperCase()}`).join(', ');
    const mine = 'Keep Mine';
    const theirs = 'Take Theirs';
    const choice = await showWarning(
      `${conflicts.length} caption(s) you changed were also changed in ${path.basename(this.uri.fsPath)} on disk by a person (${first}${conflicts.length > 3 ? ', …' : ''}). Keep your unsaved version or take the one on disk?`,
      { modal },
      mine,
      theirs,
    );
    if (choice !== mine && choice !== theirs) return false;
    for (const c of [...conflicts]) this.model.resolveConflict(c.fileName, c.kind, choice === mine ? 'mine' : 'theirs');
    return true;
  }

  async save(): Promise<void> {
    await this.ready;
    await this.model.mergeFromDisk();
    if (!(await this.settleConflicts(true))) throw new Error('not saved: decide first which version of the captions changed on disk to keep');
    await this.model.save();
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await this.ready;
    const text = backupText(this.uri.toString(), { captions: this.model.unsavedEdits(), reviews: this.model.unsavedReviews() });
    await fs.mkdir(path.dirname(destination.fsPath), { recursive: true });
    await writeFileAtomic(destination.fsPath, text);
    return {
      id: destination.toString(),
      delete: () => void fs.rm(destination.fsPath, { force: true }),
    };
  }
}

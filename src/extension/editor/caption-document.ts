// The caption editor's document for VS Code: a thin adapter over the edit model (src/core/document). It
// forwards the model's edits to VS Code's undo stack and dirty marker, checks what the webview sends before
// it reaches the model, and reads and writes hot-exit backups (which hold only the unsaved edits).
import * as vscode from 'vscode';
import { showWarning } from '../notify.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/dataset/atomic-write.js';
import type { MachineCaption } from '../../core/dataset/caption-writes.js';
import type { BulkReviewResult, CaptionEditModel, DiskConflict, OverlayEntry, UnsavedReview } from '../../core/document/caption-edit-model.js';
import type { ManifestLease, ManifestRegistry } from '../../core/document/manifest-registry.js';
import { applyNormalization, type NormalizationChange } from '../../core/analysis/normalizers.js';
import type { CaptionKind, ReviewState } from '../../shared/record.js';
import type { Counts, ReplaceChange } from '../../shared/record-query.js';
import type { EditRequest } from '../../shared/protocol.js';
import { MAX_CAPTION_CHARS } from '../../shared/limits.js';

interface BackupFile {
  format: 'recaption-backup/2';
  manifest: string;
  captions: OverlayEntry[];
  /** Unsaved reviews from bulk reviews (absent in backups of earlier releases). */
  reviews?: UnsavedReview[];
}

function readBackup(text: string, file: string): { captions: OverlayEntry[]; reviews: UnsavedReview[] } {
  const body = JSON.parse(text) as Partial<BackupFile> & { format?: string };
  // recaption-backup/1 (earlier releases) held the same snapshots under the same field.
  if (body.format !== 'recaption-backup/2' && body.format !== 'recaption-backup/1') throw new Error(`unknown backup format in ${file}`);
  return { captions: Array.isArray(body.captions) ? body.captions : [], reviews: Array.isArray(body.reviews) ? body.reviews : [] };
}

export class CaptionDocument implements vscode.CustomDocument {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<CaptionDocument>>();
  /** For VS Code: an undoable edit happened. */
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly recordsEmitter = new vscode.EventEmitter<readonly string[]>();
  /** For the webviews: these records changed in place. */
  readonly onDidChangeRecords = this.recordsEmitter.event;
  private readonly resetEmitter = new vscode.EventEmitter<void>();
  /** For the webviews: the whole document was replaced (revert, reload). */
  readonly onDidReset = this.resetEmitter.event;
  private readonly conflictEmitter = new vscode.EventEmitter<readonly DiskConflict[]>();
  /** A change on disk touched captions that have unsaved edits, as a person: the user decides. */
  readonly onDidFindConflicts = this.conflictEmitter.event;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private readonly subscriptions: { dispose(): void }[];

  private constructor(
    readonly uri: vscode.Uri,
    private readonly lease: ManifestLease,
  ) {
    const model = lease.model;
    this.subscriptions = [
      model.onDidEdit((e) => this.changeEmitter.fire({ document: this, label: e.label, undo: e.undo, redo: e.redo })),
      model.onDidChangeRecords((names) => this.recordsEmitter.fire(names)),
      model.onDidReset(() => this.resetEmitter.fire()),
      model.onDidFindConflicts((c) => this.conflictEmitter.fire(c)),
    ];
  }

  /**
   * Opens the document on the registry's model of the file. Without a backup it returns once the head of
   * the file is read (the full load goes on behind `ready`); with one it waits for the load and the restore.
   */
  static async open(uri: vscode.Uri, backupId: string | undefined, registry: ManifestRegistry): Promise<CaptionDocument> {
    const lease = await registry.acquire(uri.fsPath);
    const doc = new CaptionDocument(uri, lease);
    try {
      if (backupId) {
        await doc.ready;
        const file = vscode.Uri.parse(backupId).fsPath;
        const backup = readBackup(await fs.readFile(file, 'utf8'), file);
        doc.model.restoreUnsaved(backup.captions, backup.reviews);
      } else if (doc.head.length === 0) {
        await doc.ready; // nothing to show early: surface load errors now
      }
    } catch (err) {
      doc.dispose();
      throw err;
    }
    return doc;
  }

  get model(): CaptionEditModel {
    return this.lease.model;
  }

  /** The records as the editor shows them: the saved ones with the unsaved edits on top. */
  get store(): CaptionEditModel {
    return this.lease.model;
  }

  get ready(): Promise<void> {
    return this.model.ready;
  }

  get loadedPromise(): Promise<void> {
    return this.model.loadedPromise;
  }

  get loaded(): boolean {
    return this.model.loaded;
  }

  get head(): CaptionEditModel['head'] {
    return this.model.head;
  }

  get generation(): number {
    return this.model.generation;
  }

  get folder(): string {
    return path.dirname(this.uri.fsPath);
  }

  get hasUnsavedEdits(): boolean {
    return this.model.hasUnsavedEdits;
  }

  getCounts(): Counts {
    return this.model.getCounts();
  }

  dispose(): void {
    this.disposeEmitter.fire();
    // Closed without saving: the unsaved edits go with the editor, even if a run still holds the model.
    if (this.model.loaded) this.model.discardUnsaved();
    for (const s of this.subscriptions) s.dispose();
    for (const e of [this.changeEmitter, this.recordsEmitter, this.resetEmitter, this.conflictEmitter, this.disposeEmitter]) e.dispose();
    this.lease.release();
  }

  // -------------------------------------------------------------------------------------------
  // Edits

  /** An edit from the webview. Returns why it was refused, if it was. */
  applyEdit(request: EditRequest): { applied: boolean; reason?: string } {
    // The message came over postMessage: check its shape before it reaches the model.
    const r = request as Partial<Record<string, unknown>>;
    if (typeof r.fileName !== 'string') return { applied: false, reason: 'fileName must be a string' };
    if (r.kind !== 'ssc' && r.kind !== 'dsc') return { applied: false, reason: `unknown caption kind "${String(r.kind)}"` };
    const fileName = r.fileName;
    const kind: CaptionKind = r.kind;
    const record = this.model.get(fileName);
    if (r.op === 'text') {
      if (typeof r.text !== 'string') return { applied: false, reason: 'caption text must be a string' };
      if (r.text.length > MAX_CAPTION_CHARS) return { applied: false, reason: `a caption may hold at most ${MAX_CAPTION_CHARS} characters` };
      if (!record) return { applied: false, reason: `no record for "${fileName}"` };
      const text = r.text;
      this.model.edit(`Edit ${kind.toUpperCase()}`, (e) => e.writeHumanCaption(fileName, kind, text));
      return { applied: true };
    }
    if (r.op === 'review') {
      const review = r.review;
      if (review !== null && review !== 'approved' && review !== 'rejected') return { applied: false, reason: `unknown review state "${String(review)}"` };
      if (!record) return { applied: false, reason: `no record for "${fileName}"` };
      if (!record[kind]) return { applied: false, reason: `"${fileName}" has no ${kind.toUpperCase()} to review` };
      const label = review === null ? 'Clear review' : review === 'approved' ? 'Approve' : 'Reject';
      this.model.edit(`${label} ${kind.toUpperCase()}`, (e) => e.setReview(fileName, kind, review));
      return { applied: true };
    }
    return { applied: false, reason: 'unknown edit' };
  }

  /** A find & replace as one undoable edit; a caption changed since the preview is skipped. */
  applyReplace(changes: readonly ReplaceChange[]): number {
    const valid = changes.filter((c) => this.model.get(c.fileName)?.[c.kind]?.text === c.before);
    this.model.edit(`Replace in ${valid.length} captions`, (e) => {
      for (const c of valid) e.writeHumanCaption(c.fileName, c.kind, c.after);
    });
    return valid.length;
  }

  /**
   * Normalizer changes (previewed by the user) as one undoable edit. The core writes them as the user's
   * edits (by: human, the model's text kept in `original`); a caption changed since the preview is skipped.
   */
  applyNormalization(changes: readonly NormalizationChange[], allowProtected: boolean): number {
    return this.model.edit(`Normalize ${changes.length} captions`, (e) => applyNormalization(e, changes, { allowProtected }).applied.length);
  }

  /** Reviews the captions of many records (a multi-selection, by manifest position) as one undoable edit. */
  applyBulkReview(rows: ArrayLike<number>, kinds: readonly CaptionKind[], review: ReviewState): BulkReviewResult {
    const what = kinds.length === 2 ? 'captions' : kinds[0]!.toUpperCase() + 's';
    const verb = review === null ? 'Clear the review of' : review === 'approved' ? 'Approve' : 'Reject';
    return this.model.reviewMany(`${verb} the ${what} of ${rows.length} images`, rows, kinds, review);
  }

  /**
   * Machine results the user asked for in the editor (e.g. upsampled DSCs) as one undoable, unsaved edit.
   * A caption a person wrote or reviewed, even since the results were asked for, is left alone.
   */
  applyMachineCaptions(label: string, results: readonly { fileName: string; kind: CaptionKind; caption: MachineCaption }[]): { written: number; protected: number } {
    const counts = { written: 0, protected: 0 };
    this.model.edit(label, (e) => {
      for (const r of results) {
        if (!e.get(r.fileName)) continue;
        counts[e.writeMachineCaption(r.fileName, r.kind, r.caption) === 'written' ? 'written' : 'protected']++;
      }
    });
    return counts;
  }

  // -------------------------------------------------------------------------------------------
  // Save, revert, backup, changes on disk

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
    await this.mergeFromDisk();
    if (!(await this.settleConflicts(true))) throw new Error('not saved: decide first which version of the captions changed on disk to keep');
    await this.model.save();
  }

  async saveAs(target: vscode.Uri): Promise<void> {
    await this.model.saveAs(target.fsPath);
  }

  async revert(): Promise<void> {
    await this.model.revert();
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await this.ready;
    const body: BackupFile = { format: 'recaption-backup/2', manifest: this.uri.toString(), captions: this.model.unsavedEdits(), reviews: this.model.unsavedReviews() };
    await fs.mkdir(path.dirname(destination.fsPath), { recursive: true });
    await writeFileAtomic(destination.fsPath, JSON.stringify(body));
    return {
      id: destination.toString(),
      delete: () => void fs.rm(destination.fsPath, { force: true }),
    };
  }

  changedOnDisk(): Promise<boolean> {
    return this.model.changedOnDisk();
  }

  /** Merges the file into the saved base when it changed on disk; unsaved edits stay on top. */
  mergeFromDisk(): Promise<readonly DiskConflict[]> {
    return this.model.mergeFromDisk();
  }
}

// The caption editor's document. The host owns it: a ManifestStore plus what VS Code needs for its dirty
// marker, undo/redo (closure edits over caption snapshots), save, save as, revert and hot-exit backups.
// Backups hold only the captions touched since the last save, never the whole manifest.
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore, type MachineCaption } from '../../core/dataset/manifest-store.js';
import { writeFileAtomic } from '../../core/dataset/atomic-write.js';
import { toRecord } from '../../core/dataset/manifest-codec.js';
import type { Caption, CaptionKind, ManifestRecord } from '../../shared/record.js';
import type { Counts, EditRequest, ReplaceChange } from '../../shared/protocol.js';
import { recordState, type RecordState } from '../../shared/protocol.js';
import { countRecords } from '../../core/dataset/query.js';
import { applyNormalization, type NormalizationChange } from '../../core/analysis/normalizers.js';

/** One caption's exact value at a moment: what undo/redo and backups restore. */
export interface CaptionSnapshot {
  fileName: string;
  kind: CaptionKind;
  caption: Caption | null;
}

interface BackupFile {
  format: 'recaption-backup/1';
  manifest: string;
  captions: CaptionSnapshot[];
}

interface DiskStamp {
  mtimeMs: number;
  size: number;
}

const key = (fileName: string, kind: CaptionKind): string => `${kind}\0${fileName}`;

/** Bytes read up front so the first screen shows while the whole manifest loads. */
const HEAD_BYTES = 256 * 1024;

/** The first complete lines of the manifest, parsed: what the editor shows before the full load ends. */
async function readHead(file: string): Promise<ManifestRecord[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return [];
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const lines = text.split('\n');
    if (bytesRead === HEAD_BYTES) lines.pop(); // a partial last line
    const out: ManifestRecord[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const r = toRecord(JSON.parse(line.replace(/^\uFEFF/, '')));
        if (typeof r !== 'string') out.push(r);
      } catch {
        // a bad line: the full load reports it
      }
    }
    return out;
  } finally {
    await handle.close();
  }
}

function clone(caption: Caption | null): Caption | null {
  return caption === null ? null : structuredClone(caption);
}

async function stamp(file: string): Promise<DiskStamp | null> {
  try {
    const st = await fs.stat(file);
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return null;
  }
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
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  /** Captions changed since the last save (or load): what a backup holds and a merge re-applies. */
  private readonly touched = new Map<string, { fileName: string; kind: CaptionKind }>();
  private counts: Counts;
  /** The manifest on disk as we last read or wrote it, to tell our own writes from others'. */
  private disk: DiskStamp | null = null;
  /** Bumped when the record list is replaced (reload), so cached query indexes are thrown away. */
  generation = 0;

  private storeValue: ManifestStore | null = null;
  private loadStarted = false;
  private resolveLoaded!: () => void;
  private rejectLoaded!: (err: unknown) => void;
  /** Settles when the whole manifest is loaded; unlike `ready` it does not start the load. */
  readonly loadedPromise = new Promise<void>((resolve, reject) => {
    this.resolveLoaded = resolve;
    this.rejectLoaded = reject;
  });

  private constructor(
    readonly uri: vscode.Uri,
    /** The first records of the file, for the first screen while the rest loads. */
    readonly head: readonly ManifestRecord[],
    private readonly backupId: string | undefined,
  ) {
    this.counts = countRecords(head);
    this.loadedPromise.catch(() => undefined);
  }

  /**
   * Starts the full load (once) and resolves when it is done. Parsing a large manifest occupies the
   * extension host for seconds, so the editor first serves its first screen from `head` and only then
   * asks for `ready`.
   */
  get ready(): Promise<void> {
    if (!this.loadStarted) {
      this.loadStarted = true;
      this.load(this.backupId).then(this.resolveLoaded, this.rejectLoaded);
    }
    return this.loadedPromise;
  }

  private async load(backupId: string | undefined): Promise<void> {
    const file = this.uri.fsPath;
    // Stamp before reading, so a write during the read shows up as a change on disk.
    this.disk = await stamp(file);
    const store = await ManifestStore.open(path.dirname(file), path.basename(file));
    this.storeValue = store;
    this.counts = countRecords(store.records());
    this.generation++;
    if (backupId) await this.restoreBackup(vscode.Uri.parse(backupId));
    this.resetEmitter.fire();
  }

  /**
   * Opens the document. Without a backup it returns once the head of the file is read (the full load
   * goes on behind `ready`); with one it waits for the load and the restore.
   */
  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<CaptionDocument> {
    const doc = new CaptionDocument(uri, await readHead(uri.fsPath), backupId);
    if (backupId) await doc.ready;
    else if (doc.head.length === 0) await doc.ready; // nothing to show early: surface load errors now
    return doc;
  }

  get loaded(): boolean {
    return this.storeValue !== null;
  }

  get store(): ManifestStore {
    if (!this.storeValue) throw new Error(`${this.uri.fsPath} is still loading`);
    return this.storeValue;
  }

  get folder(): string {
    return path.dirname(this.uri.fsPath);
  }

  get hasUnsavedEdits(): boolean {
    return this.touched.size > 0;
  }

  getCounts(): Counts {
    return this.counts;
  }

  dispose(): void {
    this.disposeEmitter.fire();
    for (const e of [this.changeEmitter, this.recordsEmitter, this.resetEmitter, this.disposeEmitter]) e.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Edits

  private snapshot(fileName: string, kind: CaptionKind): CaptionSnapshot {
    const record = this.store.get(fileName);
    return { fileName, kind, caption: clone(record?.[kind] ?? null) };
  }

  /** Puts captions back to exact earlier values (undo, redo, backup restore, merge). */
  private restore(snapshots: readonly CaptionSnapshot[]): void {
    const changed = new Set<string>();
    for (const s of snapshots) {
      const record = this.store.get(s.fileName);
      if (!record) continue;
      const before = recordState(record);
      const next: ManifestRecord = { ...record, [s.kind]: clone(s.caption) };
      this.store.put(next);
      this.adjustCounts(before, recordState(next));
      this.touched.set(key(s.fileName, s.kind), { fileName: s.fileName, kind: s.kind });
      changed.add(s.fileName);
    }
    this.recordsEmitter.fire([...changed]);
  }

  private adjustCounts(before: RecordState, after: RecordState): void {
    if (before === after) return;
    this.counts[before]--;
    this.counts[after]++;
  }

  /**
   * Runs `mutate` (which writes through the store's human-edit API), records before/after snapshots of
   * the captions it names, and hands VS Code one undoable edit.
   */
  private edit(label: string, targets: readonly { fileName: string; kind: CaptionKind }[], mutate: () => void): void {
    const before = targets.map((t) => this.snapshot(t.fileName, t.kind));
    const states = new Map(targets.map((t) => [t.fileName, recordState(this.store.get(t.fileName)!)]));
    mutate();
    const after = targets.map((t) => this.snapshot(t.fileName, t.kind));
    const changed = after.filter((a, i) => JSON.stringify(a.caption) !== JSON.stringify(before[i]!.caption));
    if (changed.length === 0) return;
    for (const [fileName, state] of states) this.adjustCounts(state, recordState(this.store.get(fileName)!));
    for (const t of targets) this.touched.set(key(t.fileName, t.kind), t);
    this.recordsEmitter.fire([...states.keys()]);
    this.changeEmitter.fire({
      document: this,
      label,
      undo: () => this.restore(before),
      redo: () => this.restore(after),
    });
  }

  /** An edit from the webview. Returns why it was refused, if it was. */
  applyEdit(request: EditRequest): { applied: boolean; reason?: string } {
    // The message came over postMessage: check its shape before it reaches the store.
    if (request.kind !== 'ssc' && request.kind !== 'dsc') return { applied: false, reason: `unknown caption kind "${String(request.kind)}"` };
    if (request.op === 'text' && typeof request.text !== 'string') return { applied: false, reason: 'caption text must be a string' };
    if (request.op === 'review' && request.review !== null && request.review !== 'approved' && request.review !== 'rejected') {
      return { applied: false, reason: `unknown review state "${String(request.review)}"` };
    }
    if (request.op !== 'text' && request.op !== 'review') return { applied: false, reason: 'unknown edit' };
    const record = this.store.get(request.fileName);
    if (!record) return { applied: false, reason: `no record for "${request.fileName}"` };
    const target = [{ fileName: request.fileName, kind: request.kind }];
    if (request.op === 'text') {
      this.edit(`Edit ${request.kind.toUpperCase()}`, target, () => this.store.writeHumanCaption(request.fileName, request.kind, request.text));
      return { applied: true };
    }
    if (!record[request.kind]) return { applied: false, reason: `"${request.fileName}" has no ${request.kind.toUpperCase()} to review` };
    const label = request.review === null ? 'Clear review' : request.review === 'approved' ? 'Approve' : 'Reject';
    this.edit(`${label} ${request.kind.toUpperCase()}`, target, () => this.store.setReview(request.fileName, request.kind, request.review));
    return { applied: true };
  }

  /** A find & replace as one undoable edit. */
  applyReplace(changes: readonly ReplaceChange[]): number {
    const valid = changes.filter((c) => this.store.get(c.fileName)?.[c.kind]?.text === c.before);
    this.edit(`Replace in ${valid.length} captions`, valid, () => {
      for (const c of valid) this.store.writeHumanCaption(c.fileName, c.kind, c.after);
    });
    return valid.length;
  }

  /**
   * Normalizer changes (previewed by the user) as one undoable edit. The core writes them as the user's
   * edits (by: human, the model's text kept in `original`); a caption changed since the preview is skipped.
   */
  applyNormalization(changes: readonly NormalizationChange[], allowProtected: boolean): number {
    const targets = changes.map((c) => ({ fileName: c.fileName, kind: c.kind }));
    let applied = 0;
    this.edit(`Normalize ${changes.length} captions`, targets, () => {
      applied = applyNormalization(this.store, changes, { allowProtected }).applied.length;
    });
    return applied;
  }

  /**
   * Machine results (e.g. upsampled DSCs) as one undoable edit that marks the editor dirty. Each write goes
   * through the store's machine API, so a caption a person wrote or reviewed, even since the results were
   * asked for, is left alone. Returns how many were written and how many were protected.
   */
  applyMachineCaptions(label: string, results: readonly { fileName: string; kind: CaptionKind; caption: MachineCaption }[]): { written: number; protected: number } {
    const known = results.filter((r) => this.store.get(r.fileName));
    const counts = { written: 0, protected: 0 };
    this.edit(label, known, () => {
      for (const r of known) counts[this.store.writeMachineCaption(r.fileName, r.kind, r.caption) === 'written' ? 'written' : 'protected']++;
    });
    return counts;
  }

  // -------------------------------------------------------------------------------------------
  // Save, revert, backup

  /** Called before a save writes, e.g. to hand the edits to a captioning run writing the same file. */
  beforeSave: ((unsaved: CaptionSnapshot[]) => void) | null = null;

  async save(): Promise<void> {
    await this.ready;
    await this.mergeIfChangedOnDisk();
    this.beforeSave?.(this.unsavedCaptions());
    await this.store.save();
    this.disk = await stamp(this.uri.fsPath);
    this.touched.clear();
  }

  async saveAs(target: vscode.Uri): Promise<void> {
    await this.ready;
    await this.store.saveTo(target.fsPath);
  }

  async revert(): Promise<void> {
    await this.reload('replace');
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    await this.ready;
    const captions = [...this.touched.values()].map((t) => this.snapshot(t.fileName, t.kind));
    const body: BackupFile = { format: 'recaption-backup/1', manifest: this.uri.toString(), captions };
    await fs.mkdir(path.dirname(destination.fsPath), { recursive: true });
    await writeFileAtomic(destination.fsPath, JSON.stringify(body));
    return {
      id: destination.toString(),
      delete: () => void fs.rm(destination.fsPath, { force: true }),
    };
  }

  private async restoreBackup(backup: vscode.Uri): Promise<void> {
    const body = JSON.parse(await fs.readFile(backup.fsPath, 'utf8')) as BackupFile;
    if (body.format !== 'recaption-backup/1') throw new Error(`unknown backup format in ${backup.fsPath}`);
    this.restore(body.captions);
  }

  // -------------------------------------------------------------------------------------------
  // Changes on disk

  /** True when the manifest on disk is not what we last read or wrote. */
  async changedOnDisk(): Promise<boolean> {
    const now = await stamp(this.uri.fsPath);
    if (now === null || this.disk === null) return now !== this.disk;
    return now.mtimeMs !== this.disk.mtimeMs || now.size !== this.disk.size;
  }

  async mergeIfChangedOnDisk(): Promise<void> {
    await this.ready;
    if (await this.changedOnDisk()) await this.reload('merge');
  }

  /**
   * Reads the manifest from disk again. 'merge' re-applies every caption touched since the last save on
   * top of what is on disk (the person's edits win for the captions they touched; everything else the
   * disk has, such as new machine captions, is kept). 'replace' drops the unsaved edits (revert).
   */
  reload(mode: 'merge' | 'replace'): Promise<void> {
    // One reload at a time: file watchers fire in bursts.
    const next = this.reloading.then(() => this.reloadNow(mode));
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private reloading: Promise<void> = Promise.resolve();

  private async reloadNow(mode: 'merge' | 'replace'): Promise<void> {
    const disk = await stamp(this.uri.fsPath);
    const store = await ManifestStore.open(this.store.folder, this.store.fileName);
    // Taken after the awaits: an edit that arrived while the file was being read is kept too.
    const kept = mode === 'merge' ? [...this.touched.values()].map((t) => this.snapshot(t.fileName, t.kind)) : [];
    this.disk = disk;
    this.storeValue = store;
    this.touched.clear();
    this.generation++;
    this.counts = countRecords(store.records());
    if (kept.length > 0) this.restore(kept);
    this.resetEmitter.fire();
  }

  /** Human edits of this document that have not been saved, to carry into another store (a running job's). */
  unsavedCaptions(): CaptionSnapshot[] {
    if (!this.loaded) return [];
    return [...this.touched.values()].map((t) => this.snapshot(t.fileName, t.kind));
  }
}

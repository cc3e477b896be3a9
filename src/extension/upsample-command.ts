// Upsample Captions: a chat model on an OpenAI-compatible endpoint turns short captions (SSC or alt-text)
// into descriptive DSCs marked `by: "upsample"` (src/core/upsample). In the caption editor it acts on the
// selection (the current image, or the images the filter shows) and its results go into the editor as one
// undoable edit; on a folder it acts on every image without a DSC, through the editor when one is open.
// Human-written or reviewed DSCs are never replaced: the store refuses those writes.
import * as vscode from 'vscode';
import { withCancellableProgress } from './cancellable-progress.js';
import { showError, showWarning, showInfo } from './notify.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../core/dataset/manifest-store.js';
import { describeEndpointModel } from '../core/captioner/remote/index.js';
import { upsampleStore, type UpsampleRedo, type UpsampleReport } from '../core/upsample/index.js';
import { MANIFEST_NAME } from '../shared/record.js';
import type { CaptionDocument } from './editor/caption-document.js';
import type { CaptionEditorProvider } from './editor/caption-editor-provider.js';
import { resolveDatasetFolder } from './export-command.js';
import type { ManifestRegistry } from '../core/document/manifest-registry.js';
import { applyMachineCaptions } from '../core/document/editor-edits.js';
import type { ApiKeyStore } from './remote/api-keys.js';
import { readUpsampleSettings, type UpsampleSettings } from './remote/remote-settings.js';

export interface UpsampleDeps {
  provider: CaptionEditorProvider;
  keys: ApiKeyStore;
}

/** The command's result, for callers and tests. */
export interface UpsampleOutcome {
  folder: string;
  /** Through an open editor (undoable, unsaved) or straight into the manifest on disk. */
  via: 'editor' | 'disk';
  report: UpsampleReport;
  /** Editor only: written into the document, and refused because a person edited the DSC meanwhile. */
  applied: number;
}

/** Untrusted second argument (VS Code passes menu context there): only `{ fileNames: string[] }` counts. */
function givenFileNames(value: unknown): string[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const names = (value as { fileNames?: unknown }).fileNames;
  return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
}

/** Which images of the editor: the current one, or those the filter shows (asked when there is a filter). */
async function editorTargets(provider: CaptionEditorProvider, doc: CaptionDocument): Promise<string[] | undefined> {
  const selection = provider.selectionOf(doc);
  const current = selection?.current ?? doc.model.names()[0];
  if (!current) return undefined;
  const filtered = selection?.filtered;
  const selected = selection?.selected;
  const items = [{ label: `This image`, description: current, names: [current] }];
  if (selected && selected.length > 1) items.unshift({ label: `The ${selected.length} selected images`, description: 'human-written and reviewed DSCs are skipped', names: selected });
  if (filtered && filtered.length > 1) items.push({ label: `The ${filtered.length} images the filter shows`, description: 'human-written and reviewed DSCs are skipped', names: filtered });
  if (items.length === 1) return [current];
  const choice = await vscode.window.showQuickPick(
    items,
    { title: 'Upsample which captions?', ignoreFocusOut: true },
  );
  return choice?.names;
}

function withUpsampleProgress<T>(title: string, work: (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<T>): Thenable<T> {
  return withCancellableProgress(title, (signal, report) => work(signal, (done, total) => report(total > 0 ? (done / total) * 100 : 100, `${done} / ${total}`)));
}

function coreOptions(settings: UpsampleSettings, apiKey: string | undefined, redo: UpsampleRedo) {
  return {
    endpoint: { baseUrl: settings.endpoint, model: settings.model, apiKey, timeoutMs: settings.timeoutMs },
    from: settings.from,
    instruction: settings.instruction,
    concurrency: settings.concurrency,
    redo,
  };
}

/**
 * Upsamples into an open editor: the requests run on a scratch copy of the chosen records, then the answers
 * enter the document as one undoable edit (dirty until saved), like any edit a person makes.
 */
async function upsampleIntoEditor(doc: CaptionDocument, names: readonly string[], settings: UpsampleSettings, apiKey: string | undefined, redo: UpsampleRedo): Promise<UpsampleOutcome> {
  await doc.ready;
  const scratch = ManifestStore.fromText(doc.folder, '');
  for (const name of names) {
    const record = doc.model.get(name);
    if (record) scratch.put(structuredClone(record));
  }
  const report = await withUpsampleProgress(`Upsampling ${names.length === 1 ? names[0] : `${names.length} captions`}`, (signal, onProgress) =>
    upsampleStore(scratch, { ...coreOptions(settings, apiKey, redo), fileNames: names, save: false, signal, onProgress }),
  );
  const model = describeEndpointModel(settings.endpoint, settings.model);
  const results = names.flatMap((fileName) => {
    const dsc = scratch.get(fileName)?.dsc;
    // Only what this run wrote: the scratch copy started as the document's own record.
    if (!dsc || dsc.by !== 'upsample' || dsc.text === doc.model.get(fileName)?.dsc?.text) return [];
    return [{ fileName, kind: 'dsc' as const, caption: { text: dsc.text, by: 'upsample' as const, model: dsc.model ?? model, at: dsc.at } }];
  });
  const { written, protected: refused } = applyMachineCaptions(doc.model, `Upsample ${results.length} DSC${results.length === 1 ? '' : 's'}`, results);
  report.protected += refused;
  return { folder: doc.folder, via: 'editor', report, applied: written };
}

/** Upsamples a folder no editor shows, through the folder's one model (a captioning run may hold it too). */
async function upsampleOnDisk(registry: ManifestRegistry, folder: string, names: readonly string[] | undefined, settings: UpsampleSettings, apiKey: string | undefined): Promise<UpsampleOutcome | undefined> {
  const manifest = path.join(folder, MANIFEST_NAME);
  if (!(await fs.stat(manifest).catch(() => null))) {
    void showError(`${folder} has no ${MANIFEST_NAME} yet. Run "Recaption Folder" on it first.`);
    return undefined;
  }
  const lease = await registry.acquire(manifest);
  try {
    await lease.model.ready;
    const store = lease.model.runAccess();
    const report = await withUpsampleProgress(`Upsampling ${path.basename(folder)}`, (signal, onProgress) =>
      upsampleStore(store, { ...coreOptions(settings, apiKey, 'missing'), fileNames: names, signal, onProgress }),
    );
    return { folder, via: 'disk', report, applied: report.upsampled };
  } finally {
    lease.release();
  }
}

function summarize(o: UpsampleOutcome): void {
  const r = o.report;
  const parts = [`${o.applied} upsampled`];
  if (r.alreadyDone) parts.push(`${r.alreadyDone} already had a DSC`);
  if (r.noSource) parts.push(`${r.noSource} had no short text`);
  if (r.protected) parts.push(`${r.protected} human DSCs left alone`);
  if (r.failed.length) parts.push(`${r.failed.length} failed (${r.failed[0]!.fileName}: ${r.failed[0]!.error})`);
  const tail = o.via === 'editor' && o.applied > 0 ? ' Unsaved in the editor; Ctrl+Z undoes it.' : '';
  const message = `Upsample ${path.basename(o.folder)}${r.cancelled ? ' (cancelled)' : ''}: ${parts.join(', ')}.${tail}`;
  if (r.failed.length) void showWarning(message);
  else void showInfo(message);
}

export async function upsampleCommand(deps: UpsampleDeps, uri?: vscode.Uri, optionsArg?: unknown): Promise<UpsampleOutcome | undefined> {
  const fromEditor = deps.provider.invokingDocument(uri);
  const folder = fromEditor?.folder ?? (await resolveDatasetFolder(uri, 'Upsample This Dataset'));
  if (!folder) return undefined;
  let settings: UpsampleSettings;
  try {
    settings = readUpsampleSettings(vscode.Uri.file(folder));
  } catch (err) {
    void showError((err as Error).message, 'Open Settings').then((a) => {
      if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'recaption.upsample');
    });
    return undefined;
  }
  try {
    const apiKey = await deps.keys.get(settings.endpoint);
    const given = givenFileNames(optionsArg);
    let outcome: UpsampleOutcome | undefined;
    if (fromEditor) {
      await fromEditor.ready;
      // The user picked these images: replace their machine DSCs too (never a human's).
      const names = given ?? (await editorTargets(deps.provider, fromEditor));
      if (!names) return undefined;
      outcome = await upsampleIntoEditor(fromEditor, names, settings, apiKey, 'machine');
    } else {
      // A folder: only images without a DSC, so running it again resumes. An open editor gets the results.
      const open = deps.provider.documentFor(folder);
      if (open) {
        await open.ready;
        outcome = await upsampleIntoEditor(open, given ?? [...open.model.names()], settings, apiKey, 'missing');
      } else outcome = await upsampleOnDisk(deps.provider.registry, folder, given, settings, apiKey);
    }
    if (outcome) summarize(outcome);
    return outcome;
  } catch (err) {
    void showError(`Upsample failed: ${(err as Error).message}`);
    return undefined;
  }
}

// Export Fine-Tune Set: quick picks for profile, format, selection and images, a folder picker for the
// output, a cancellable progress notification. The export itself is src/core/export.
import * as vscode from 'vscode';
import { showError, showWarning, showInfo } from './notify.js';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { ManifestStore } from '../core/dataset/manifest-store.js';
import {
  DEFAULT_EXPORT_SELECTION,
  DEFAULT_IMAGE_MODE,
  DEFAULT_T2I_RATIO,
  EXPORT_FORMATS,
  EXPORT_PROFILES,
  EXPORT_SELECTIONS,
  ExportError,
  IMAGE_MODES,
  exportFineTuneSet,
  countExportable,
  CARD_NAME,
  type ExportFormat,
  type ExportProfile,
  type ExportResult,
  type ExportSelection,
  type ImageMode,
} from '../core/export/index.js';
import * as os from 'node:os';
import { MANIFEST_NAME } from '../shared/record.js';
import { hubRepoNameProblem } from '../core/hub/index.js';
import type { CaptionEditorProvider } from './editor/caption-editor-provider.js';
import { askHubTarget, pushExportToHub, type HubTarget } from './hub-push.js';
import { withCancellableProgress } from './cancellable-progress.js';
import { readRunSettings } from './run/settings.js';
import { askDatasetFolder, askFolder } from './ask-folder.js';

/** The dataset folder for a command run on a folder, on recaption.jsonl, or from the palette (asks). */
export async function resolveDatasetFolder(uri: vscode.Uri | undefined, purpose: string): Promise<string | undefined> {
  if (uri) return path.basename(uri.fsPath) === MANIFEST_NAME ? path.dirname(uri.fsPath) : uri.fsPath;
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (active instanceof vscode.TabInputCustom && path.basename(active.uri.fsPath) === MANIFEST_NAME) return path.dirname(active.uri.fsPath);
  return (await askDatasetFolder(purpose))?.fsPath;
}

/** The dataset folder and its manifest for a command that needs one; undefined (after saying why) if not. */
export async function resolveScannedDataset(uri: vscode.Uri | undefined, purpose: string): Promise<{ folder: string; manifest: string } | undefined> {
  const folder = await resolveDatasetFolder(uri, purpose);
  if (!folder) return undefined;
  const manifest = path.join(folder, MANIFEST_NAME);
  if (!(await fs.stat(manifest).catch(() => null))) {
    void showError(`${folder} has no ${MANIFEST_NAME} yet. Run "Recaption Folder" on it first.`);
    return undefined;
  }
  return { folder, manifest };
}

/** Opens the folder's manifest; undefined (after telling the user) when there is none. */
export async function openDatasetStore(folder: string): Promise<ManifestStore | undefined> {
  const manifest = path.join(folder, MANIFEST_NAME);
  if (!(await fs.stat(manifest).catch(() => null))) {
    void showError(`${folder} has no ${MANIFEST_NAME} yet. Run "Recaption Folder" on it first.`);
    return undefined;
  }
  // An editor with unsaved edits: the export reads the file, so say which version it gets.
  const dirty = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.isDirty && t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === manifest);
  if (dirty) {
    const go = await showWarning(
      `${MANIFEST_NAME} has unsaved edits in an editor. They are not included unless you save first.`,
      { modal: true },
      'Use the Saved Version',
    );
    if (go !== 'Use the Saved Version') return undefined;
  }
  return ManifestStore.open(folder);
}

interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

async function pick<T>(title: string, items: PickItem<T>[]): Promise<T | undefined> {
  return (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
}

async function chooseRatio(): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'Share of descriptive captions (the rest get the ground-truth alt-text)',
    value: String(DEFAULT_T2I_RATIO),
    ignoreFocusOut: true,
    validateInput: (v) => (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1 && v.trim() !== '' ? undefined : 'A number between 0 and 1'),
  });
  return text === undefined ? undefined : Number(text);
}

/** Every choice given up front (other extensions, tasks, tests): the command then asks nothing. */
export interface ExportChoices {
  profile: ExportProfile;
  format: ExportFormat;
  /** The output folder; with `hub`, a temporary folder is used when absent. */
  out?: string;
  /** Push the export to this Hub repository (and remove a temporary output folder after). */
  hub?: HubTarget;
  license?: string;
  ratio?: number;
  select?: ExportSelection;
  images?: ImageMode;
  force?: boolean;
  /** Only these images (an editor's multi-selection); the whole dataset when absent. */
  only?: string[];
}

/** The second argument is untrusted: VS Code passes the Explorer's selected Uris there, so check its shape. */
function asExportChoices(value: unknown): ExportChoices | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const oneOf = <T extends string>(x: unknown, allowed: readonly T[]): x is T => typeof x === 'string' && (allowed as readonly string[]).includes(x);
  const hub = asHubTarget(v.hub);
  const out = typeof v.out === 'string' && path.isAbsolute(v.out) ? v.out : undefined;
  if (!oneOf(v.profile, EXPORT_PROFILES) || !oneOf(v.format, EXPORT_FORMATS) || (out === undefined && hub === undefined)) return undefined;
  return {
    profile: v.profile,
    format: v.format,
    out,
    hub,
    license: typeof v.license === 'string' ? v.license : undefined,
    ratio: typeof v.ratio === 'number' && v.ratio >= 0 && v.ratio <= 1 ? v.ratio : undefined,
    select: oneOf(v.select, EXPORT_SELECTIONS) ? v.select : undefined,
    images: oneOf(v.images, IMAGE_MODES) ? v.images : undefined,
    force: v.force === true,
    only: Array.isArray(v.only) && v.only.every((n) => typeof n === 'string') ? (v.only as string[]) : undefined,
  };
}

function asHubTarget(value: unknown): HubTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.repo !== 'string' || hubRepoNameProblem(v.repo) !== null) return undefined;
  return { repo: v.repo, private: v.private !== false };
}

export async function exportFineTuneSetCommand(provider: CaptionEditorProvider, secrets: vscode.SecretStorage, uri?: vscode.Uri, choicesArg?: unknown): Promise<void> {
  const folder = await resolveDatasetFolder(uri, 'Export This Dataset');
  if (!folder) return;
  const given = asExportChoices(choicesArg);
  // From an editor with a multi-selection: the selection or the whole dataset (asked before the store opens).
  const scope = given ? given.only : await askScope(provider, uri);
  if (scope === null) return;
  const store = await openDatasetStore(folder);
  if (!store) return;
  try {
    const choices = given ?? (await askExportChoices(store, scope));
    if (!choices) return;
    if (!choices.hub) {
      await runExport(folder, store, { ...choices, out: choices.out! }, given !== undefined, secrets);
      return;
    }
    // To the Hub: exported into a temporary folder unless one was given, pushed, and the temporary folder removed.
    const temporary = choices.out === undefined ? await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-push-')) : null;
    try {
      const out = choices.out ?? path.join(temporary!, 'export');
      const exported = await runExport(folder, store, { ...choices, out }, given !== undefined, secrets);
      if (exported) await pushExportToHub(secrets, out, choices.hub, given !== undefined);
    } finally {
      if (temporary) await fs.rm(temporary, { recursive: true, force: true });
    }
  } finally {
    store.close();
  }
}

/** The editor's multi-selection if the user picks it; undefined for the whole dataset, null if dismissed. */
async function askScope(provider: CaptionEditorProvider, uri: vscode.Uri | undefined): Promise<string[] | undefined | null> {
  const doc = provider.invokingDocument(uri);
  const selected = doc ? provider.selectionOf(doc)?.selected : null;
  if (!doc || !selected || selected.length < 2) return undefined;
  const choice = await pick<'selection' | 'all'>('Export which images?', [
    { label: `The ${selected.length.toLocaleString()} selected images`, description: "the editor's multi-selection", value: 'selection' },
    { label: 'The whole dataset', description: `${doc.model.size.toLocaleString()} images`, value: 'all' },
  ]);
  return choice === undefined ? null : choice === 'selection' ? selected : undefined;
}

async function askExportChoices(store: ManifestStore, only: string[] | undefined): Promise<ExportChoices | undefined> {
  const destination = await pick<'folder' | 'hub'>('Export Fine-Tune Set: where to?', [
    { label: 'A folder', description: 'on this machine', value: 'folder' },
    { label: 'Push to Hugging Face Hub', description: 'Parquet with a dataset card, into a dataset repository', value: 'hub' },
  ]);
  if (!destination) return;
  const profile = await pick<ExportProfile>('Export Fine-Tune Set: what for?', [
    { label: 'Captioner, phase 1', description: 'image → short caption (SSC)', value: 'ssc' },
    { label: 'Captioner, phase 2', description: 'image → descriptive caption (DSC)', value: 'dsc' },
    { label: 'Text-to-image', description: 'DSC blended with the ground-truth alt-text', value: 't2i' },
  ]);
  if (!profile) return;
  const ratio = profile === 't2i' ? await chooseRatio() : DEFAULT_T2I_RATIO;
  if (ratio === undefined) return;
  const format = destination === 'hub' ? 'parquet' : await pick<ExportFormat>('Format', [
    { label: 'Parquet', description: "the Hugging Face Hub's layout: data/train-00000-of-0000N.parquet, images embedded", value: 'parquet' },
    { label: 'Hugging Face imagefolder', description: 'train/ validation/ with metadata.jsonl', value: 'hf' },
    { label: 'Sidecar .txt', description: 'kohya, OneTrainer', value: 'sidecar' },
    { label: 'WebDataset', description: '.tar shards', value: 'webdataset' },
    { label: 'LLaVA', description: 'conversation JSON', value: 'llava' },
    { label: 'OpenAI chat', description: 'JSONL with image_url messages', value: 'openai' },
  ]);
  if (!format) return;
  // Show what each choice would export, so an empty export is never a surprise.
  const onlySet = only ? new Set(only) : undefined;
  const count = (select: ExportSelection) => countExportable(store.records(), { profile, ratio, seed: 0, validation: 0, select, only: onlySet });
  const select = await pick<ExportSelection>('Which captions', [
    { label: 'Approved only (default)', description: `${count('approved')} images`, value: 'approved' },
    { label: 'All but rejected', description: `${count('unrejected')} images`, value: 'unrejected' },
  ]);
  if (!select) return;
  const images = await pick<ImageMode>(
    'Images',
    format === 'parquet'
      ? [
          { label: 'Embed', description: 'the image bytes in the Parquet files', value: 'copy' },
          { label: 'Leave out', description: 'captions only, with a file_name column relative to the dataset', value: 'none' },
        ]
      : [
          { label: 'Copy', value: 'copy' },
          { label: 'Hard link', description: 'no extra space; copies where links are impossible', value: 'link' },
          { label: 'Leave out', description: 'captions only, paths relative to the dataset', value: 'none' },
        ],
  );
  if (!images) return;
  if (destination === 'hub') {
    const hub = await askHubTarget();
    return hub ? { profile, format, ratio, select, images, only, hub } : undefined;
  }
  const out = (await askFolder('Export Here', { title: 'Output folder (empty, outside the dataset)' }))?.fsPath;
  if (!out) return;
  return { profile, format, out, ratio, select, images, only };
}

/** Runs the export with a progress notification; the result, or undefined after telling the user why not. */
async function runExport(
  folder: string,
  store: ManifestStore,
  choices: ExportChoices & { out: string },
  scripted: boolean,
  secrets: vscode.SecretStorage,
): Promise<ExportResult | undefined> {
  const { profile, format, out } = choices;
  const ratio = choices.ratio ?? DEFAULT_T2I_RATIO;
  const select = choices.select ?? DEFAULT_EXPORT_SELECTION;
  const images = choices.images ?? DEFAULT_IMAGE_MODE;
  let force = choices.force === true;
  // Links out of the dataset are followed only as the user's setting says, as for the scan (restricted mode ignores the workspace's).
  const followExternalLinks = readRunSettings(vscode.Uri.file(folder)).followExternalLinks;
  for (;;) {
    try {
      const result = await withCancellableProgress(`Exporting ${path.basename(folder)}`, (signal, progress) =>
        exportFineTuneSet({
          store,
          out,
          profile,
          format,
          ratio,
          select,
          images,
          force,
          license: choices.license,
          only: choices.only ? new Set(choices.only) : undefined,
          followExternalLinks,
          signal,
          onProgress: (p) => progress(p.total ? (p.done / p.total) * 100 : 100, p.phase === 'writing' ? `${p.done} / ${p.total}` : p.phase),
        }),
      );
      const r = result.record;
      const skipped = r.skipped_total ? `, ${r.skipped_total} skipped (${Object.entries(r.skipped).map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
      const allNotes = [...result.notices, ...r.notes];
      const notes = allNotes.length ? ` Note: ${allNotes.join('; ')}.` : '';
      // Not awaited: the command is done when the export is, not when the message is dismissed.
      const message = `Exported ${r.counts.total} images (train ${r.counts.train}, validation ${r.counts.validation})${skipped}.${notes}`;
      if (result.warnings.length > 0) {
        void showWarning(`Not exported: ${result.warnings.join('; ')}.`);
      }
      if (choices.hub) void showInfo(message);
      else {
        void showInfo(message, 'Open Dataset Card', 'Reveal Folder', 'Push to Hugging Face Hub').then(async (action) => {
          if (action === 'Open Dataset Card') await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(result.out, CARD_NAME)));
          if (action === 'Reveal Folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.out));
          if (action === 'Push to Hugging Face Hub') {
            const target = await askHubTarget();
            if (target) await pushExportToHub(secrets, result.out, target);
          }
        });
      }
      return result;
    } catch (err) {
      if (err instanceof ExportError && !force && !scripted && (err.code === 'out-not-empty' || err.code === 'out-inside-dataset')) {
        const answer = await showWarning(err.message, { modal: true }, 'Export Anyway');
        if (answer !== 'Export Anyway') return undefined;
        force = true;
        continue;
      }
      if (err instanceof ExportError && err.code === 'cancelled') {
        void showInfo(err.message);
        return undefined;
      }
      void showError(`Export failed: ${(err as Error).message}`);
      return undefined;
    }
  }
}

// Import Dataset: a .parquet file, a .tar shard, or a folder of them becomes a dataset folder with its
// manifest (the alt-text from the caption column), then opens in the caption editor. The import itself is
// src/core/import; this is the folder picker, the progress notification and what comes after.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ImportError, importDataset, type ImportReport } from '../core/import/index.js';
import { MANIFEST_NAME } from '../shared/record.js';
import { showError, showInfo } from './notify.js';
import { withCancellableProgress } from './cancellable-progress.js';
import { askFolder } from './ask-folder.js';

/** Scripted imports (tests, tasks) give the output folder; from a menu the command asks for it. */
export interface ImportChoices {
  out: string;
  imageColumn?: string;
  captionColumn?: string;
}

function asImportChoices(value: unknown): ImportChoices | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.out !== 'string' || !path.isAbsolute(v.out)) return undefined;
  const column = (c: unknown) => (typeof c === 'string' && c.length > 0 && c.length < 256 ? c : undefined);
  return { out: v.out, imageColumn: column(v.imageColumn), captionColumn: column(v.captionColumn) };
}

async function askSource(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { 'Parquet or WebDataset': ['parquet', 'tar'] },
    openLabel: 'Import',
    title: 'A .parquet file, a .tar shard, or a folder of them',
  });
  return picked?.[0]?.fsPath;
}

async function askOut(source: string): Promise<string | undefined> {
  const picked = await askFolder('Import Here', {
    title: 'Dataset folder to create (empty, or an earlier import of the same files to resume)',
    startIn: vscode.Uri.file(path.dirname(source)),
  });
  return picked?.fsPath;
}

function summary(report: ImportReport): string {
  const skipped = Object.entries(report.skipped).filter(([, n]) => n > 0);
  const skippedText = skipped.length ? `; skipped ${skipped.map(([reason, n]) => `${n} ${reason}`).join(', ')}` : '';
  const resumed = report.resumed ? ` (${report.resumed} already there from an earlier run)` : '';
  const captions = Object.entries(report.captions).filter(([, n]) => n > 0);
  const captionText = captions.length ? `; captions: ${captions.map(([what, n]) => `${n} ${what}`).join(', ')}` : '';
  const warnings = report.warnings.length + report.moreWarnings;
  const warningText = warnings ? `; ${warnings} warning(s), the first: ${report.warnings[0] ?? ''}` : '';
  return `Imported ${report.imported} of ${report.rows} rows from ${report.files} ${report.format} file(s)${resumed}${skippedText}${captionText}${warningText}.`;
}

export async function importDatasetCommand(uri: vscode.Uri | undefined, choicesArg?: unknown): Promise<ImportReport | undefined> {
  const source = uri?.fsPath ?? (await askSource());
  if (!source) return undefined;
  const given = asImportChoices(choicesArg);
  const out = given?.out ?? (await askOut(source));
  if (!out) return undefined;
  try {
    const report = await withCancellableProgress(`Importing ${path.basename(source)}`, (signal, progress) =>
      importDataset({
        source,
        out,
        imageColumn: given?.imageColumn,
        captionColumn: given?.captionColumn,
        signal,
        onProgress: (p) => {
          const count = p.unit === 'bytes' ? `${(p.done / 1e6).toFixed(0)} / ${(p.total / 1e6).toFixed(0)} MB of shards` : `${p.done} / ${p.total} ${p.unit}`;
          progress(p.total ? (p.done / p.total) * 100 : 0, p.phase === 'scanning' ? 'writing the manifest' : count);
        },
      }),
    );
    const manifest = vscode.Uri.file(path.join(out, MANIFEST_NAME));
    if (given) return report;
    void showInfo(summary(report), 'Open Caption Editor', 'Recaption Folder').then(async (action) => {
      if (action === 'Open Caption Editor') await vscode.commands.executeCommand('recaption.openEditor', manifest);
      if (action === 'Recaption Folder') await vscode.commands.executeCommand('recaption.recaptionFolder', vscode.Uri.file(out));
    });
    return report;
  } catch (err) {
    if (err instanceof ImportError && err.code === 'cancelled') {
      void showInfo(`${err.message}`);
      return undefined;
    }
    void showError(`Import failed: ${(err as Error).message}`);
    if (given) throw err;
    return undefined;
  }
}

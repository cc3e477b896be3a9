// Extension entry: registers the caption editor and the commands. VS Code glue only; the work is in src/core.
import * as vscode from 'vscode';
import { showInfo } from './notify.js';
import { askDatasetFolder, askFolder } from './ask-folder.js';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CaptionEditorProvider, CAPTION_EDITOR_VIEW_TYPE } from './editor/caption-editor-provider.js';
import { JobManager } from './run/job-manager.js';
import { ManifestRegistry } from '../core/document/manifest-registry.js';
import { indexInWorker } from '../core/dataset/manifest-indexer.js';
import { MANIFEST_NAME } from '../shared/record.js';
import { exportFineTuneSetCommand } from './export-command.js';
import { importDatasetCommand } from './import-command.js';
import { registerHubTokenCommands } from './hub-token.js';
import { installGpuSupportCommand } from './gpu-command.js';
import { showReportCommand } from './report-panel.js';
import { ApiKeyStore, clearApiKeyCommand, setApiKeyCommand } from './remote/api-keys.js';
import { upsampleCommand } from './upsample-command.js';
import { scoreCaptionsCommand } from './score-command.js';
import { drawAuditSampleCommand } from './audit-command.js';

/**
 * What activate() returns under VS Code's test runner only (the extension-host tests drive the editor and
 * runs through it). Anywhere else activate() returns nothing: another extension could otherwise read the
 * endpoint API keys through `keys`.
 */
export interface RecaptionApi {
  provider: CaptionEditorProvider;
  jobs: JobManager;
  /** Endpoint API keys in SecretStorage. */
  keys: ApiKeyStore;
}

/** A command's first argument is a Uri from a menu, or anything at all from executeCommand. */
function asUri(value: unknown): vscode.Uri | undefined {
  return value instanceof vscode.Uri && value.scheme === 'file' ? value : undefined;
}

export function activate(context: vscode.ExtensionContext): RecaptionApi | undefined {
  // One model per manifest: the editor, captioning runs and commands all write through it.
  // Manifests are indexed in a worker thread, off the extension host's event loop and heap.
  const indexer = indexInWorker((workerData) => new Worker(path.join(context.extensionPath, 'dist', 'index-worker.js'), { workerData }));
  const registry = new ManifestRegistry({ indexer });
  const provider = CaptionEditorProvider.register(context, registry);
  const jobs = new JobManager(context, registry, provider.log);
  const keys = new ApiKeyStore(context.secrets);
  registerHubTokenCommands(context);
  context.subscriptions.push(
    jobs,
    vscode.commands.registerCommand('recaption.setApiKey', (endpoint?: unknown) => setApiKeyCommand(keys, endpoint)),
    vscode.commands.registerCommand('recaption.clearApiKey', (endpoint?: unknown) => clearApiKeyCommand(keys, endpoint)),
    vscode.commands.registerCommand('recaption.recaptionFolder', async (uri?: vscode.Uri) => {
      const folder = uri ?? (await askDatasetFolder('Recaption Folder'));
      if (folder) await jobs.recaption(folder);
    }),
    vscode.commands.registerCommand('recaption.openEditor', async (uri?: vscode.Uri) => {
      let target = uri;
      if (!target) target = await askDatasetFolder('Open Caption Editor');
      if (!target) return;
      const manifest = path.basename(target.fsPath) === MANIFEST_NAME ? target : vscode.Uri.joinPath(target, MANIFEST_NAME);
      await vscode.commands.executeCommand('vscode.openWith', manifest, CAPTION_EDITOR_VIEW_TYPE);
    }),
    vscode.commands.registerCommand('recaption.cancelRun', () => jobs.cancelInteractive()),
    // Explorer (folder or recaption.jsonl), the caption editor's title bar (its manifest), or the palette.
    vscode.commands.registerCommand('recaption.exportFineTuneSet', (uri?: unknown, choices?: unknown) => exportFineTuneSetCommand(provider, context.secrets, asUri(uri), choices)),
    vscode.commands.registerCommand('recaption.importDataset', (uri?: unknown, choices?: unknown) => importDatasetCommand(asUri(uri), choices)),
    vscode.commands.registerCommand('recaption.showReport', (uri?: unknown) => showReportCommand(asUri(uri))),
    // The caption editor (its selection), the Explorer (a folder), or the palette.
    vscode.commands.registerCommand('recaption.upsample', (uri?: unknown, options?: unknown) => upsampleCommand({ provider, keys }, asUri(uri), options)),
    vscode.commands.registerCommand('recaption.scoreCaptions', (uri?: unknown) => scoreCaptionsCommand(registry, vscode.Uri.joinPath(context.globalStorageUri, 'models').fsPath, asUri(uri))),
    vscode.commands.registerCommand('recaption.installGpuSupport', (options?: unknown) => installGpuSupportCommand(vscode.Uri.joinPath(context.globalStorageUri, 'gpu').fsPath, options)),
    vscode.commands.registerCommand('recaption.drawAuditSample', (uri?: unknown, options?: unknown) => drawAuditSampleCommand(registry, asUri(uri), options)),
    vscode.commands.registerCommand('recaption.pickModelFolder', async () => {
      const picked = await askFolder('Use This Model');
      if (!picked) return;
      // User settings, not workspace: a model is code-adjacent and must not come from a repository's settings.
      await vscode.workspace.getConfiguration('recaption').update('model', picked.fsPath, vscode.ConfigurationTarget.Global);
      void showInfo(`Recaption will caption with ${picked.fsPath}.`);
    }),
  );
  // extensionMode is Test only when VS Code was started with --extensionTestsPath: no setting turns it on.
  return context.extensionMode === vscode.ExtensionMode.Test ? { provider, jobs, keys } : undefined;
}

export function deactivate(): void {
  // Subscriptions dispose the jobs (cancelling any run after its batch) and the editor provider.
}

// Recaption Folder: scan, caption under a cancellable progress notification, then open the editor.
// One job per folder; a status bar item shows the running job and its device, and clicking it offers cancel.
import * as vscode from 'vscode';
import { showError, showWarning, showInfo } from '../notify.js';
import * as path from 'node:path';
import { runCaptionJob } from '../../core/captioner/caption-job.js';
import type { CaptioningSummary } from '../../core/captioner/pipeline.js';
import type { ManifestRegistry } from '../../core/document/manifest-registry.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import type { CaptionBackend } from '../../core/captioner/backend.js';
import { createRemoteBackend, openLocalBackend } from './captioner-bridge.js';
import { readRunSettings, type RunSettings } from './settings.js';
import { ApiKeyStore } from '../remote/api-keys.js';
import { readRemoteCaptionSettings } from '../remote/remote-settings.js';
import { pacedReports } from '../paced-reports.js';

interface Job {
  folder: string;
  controller: AbortController;
  device: string;
  progress: string;
}

export interface JobOutcome {
  folder: string;
  scanned: number;
  result: CaptioningSummary | null;
  error: string | null;
  cancelled: boolean;
}

export class JobManager implements vscode.Disposable {
  private readonly jobs = new Map<string, Job>();
  private readonly outcomes = new Map<string, Promise<JobOutcome>>();
  private readonly statusItem: vscode.StatusBarItem;
  private readonly keys: ApiKeyStore;

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** A run writes the folder's manifest through the same model as an open editor of it. */
    private readonly registry: ManifestRegistry,
    /** Where the engine's device notices and warnings go. */
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('recaption.job', vscode.StatusBarAlignment.Left, 50);
    this.statusItem.name = 'Recaption job';
    this.statusItem.command = 'recaption.cancelRun';
    this.keys = new ApiKeyStore(context.secrets);
  }

  dispose(): void {
    for (const job of this.jobs.values()) job.controller.abort();
    this.statusItem.dispose();
  }

  isRunning(folder: string): boolean {
    return this.jobs.has(path.resolve(folder));
  }

  running(): readonly string[] {
    return [...this.jobs.keys()];
  }

  private updateStatus(): void {
    const jobs = [...this.jobs.values()];
    if (jobs.length === 0) {
      this.statusItem.hide();
      return;
    }
    const j = jobs[0]!;
    this.statusItem.text = `$(sync~spin) Recaption ${path.basename(j.folder)}: ${j.progress}${j.device ? ` · ${j.device}` : ''}`;
    this.statusItem.tooltip = `Captioning ${j.folder}${jobs.length > 1 ? ` (+${jobs.length - 1} more)` : ''}. Click to cancel.`;
    this.statusItem.show();
  }

  /** Asks which running job to cancel (or cancels the only one) and cancels it. */
  async cancelInteractive(): Promise<void> {
    const folders = this.running();
    if (folders.length === 0) {
      void showInfo('No captioning run is in progress.');
      return;
    }
    const pick =
      folders.length === 1
        ? (await showWarning(`Cancel captioning ${path.basename(folders[0]!)}? Everything captioned so far is kept.`, 'Cancel Run')) === 'Cancel Run'
          ? folders[0]
          : undefined
        : await vscode.window.showQuickPick(folders, { placeHolder: 'Cancel which captioning run?' });
    if (pick) this.cancel(pick);
  }

  cancel(folder: string): void {
    this.jobs.get(path.resolve(folder))?.controller.abort();
  }

  /** Starts (or, when one runs for this folder, returns) the job. Resolves when it ends. */
  recaption(folderUri: vscode.Uri, openEditor = true): Promise<JobOutcome> {
    const folder = path.resolve(folderUri.fsPath);
    const existing = this.jobs.get(folder);
    if (existing) {
      void showInfo(`Recaption is already running on ${path.basename(folder)}.`);
      return this.outcomes.get(folder)!;
    }
    const job: Job = { folder, controller: new AbortController(), device: '', progress: 'starting' };
    this.jobs.set(folder, job);
    this.updateStatus();
    const done = this.runJob(job, folderUri).finally(() => {
      this.jobs.delete(folder);
      this.outcomes.delete(folder);
      this.updateStatus();
    });
    this.outcomes.set(folder, done);
    if (!openEditor) return done;
    return done.then(async (outcome) => {
      if (outcome.scanned > 0 || outcome.result) {
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path.join(folder, MANIFEST_NAME)), 'recaption.captionEditor');
      }
      return outcome;
    });
  }

  /** The configured backend: a local model (loaded, maybe downloaded) or the remote endpoint. */
  private async openBackend(settings: RunSettings, folderUri: vscode.Uri, signal: AbortSignal, report: (message: string) => void): Promise<CaptionBackend> {
    if (settings.backend === 'openai') {
      const remote = readRemoteCaptionSettings(folderUri);
      report(`sending to ${remote.model} at ${remote.endpoint}…`);
      return createRemoteBackend({
        ...remote,
        apiKey: await this.keys.get(remote.endpoint),
        maxPixels: settings.maxPixels,
        // The client redacts the key from the reason.
        onRetry: ({ delayMs, reason }) => report(`retrying in ${(delayMs / 1000).toFixed(0)} s: ${reason}`),
      });
    }
    report(`loading ${settings.model} (${settings.device})…`);
    const backend = await openLocalBackend(settings, vscode.Uri.joinPath(this.context.globalStorageUri, 'models').fsPath, signal, {
      onProgress: report,
      onNotice: (message) => {
        this.log.warn(message);
        report(message);
      },
      onStderr: (line) => this.log.debug(`engine: ${line}`),
    });
    this.log.info(`captioning with ${backend.modelId}: ${backend.description}`);
    return backend;
  }

  private async runJob(job: Job, folderUri: vscode.Uri): Promise<JobOutcome> {
    const settings = readRunSettings(folderUri);
    if (settings.ignoredWorkspaceModel) {
      void showWarning(
        `Restricted mode: this workspace is not trusted, so Recaption ignores the model its settings name (${settings.ignoredWorkspaceModel}) and uses ${settings.model}. Trust the workspace, or set recaption.model in your user settings.`,
      );
    }
    const outcome: JobOutcome = { folder: job.folder, scanned: 0, result: null, error: null, cancelled: false };
    const name = path.basename(job.folder);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Recaption ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => job.controller.abort());
        const signal = job.controller.signal;
        // The folder's one model: an open editor of it sees the run's captions as they come, the run never
        // writes over its unsaved edits, and the run's checkpoints write the saved base only.
        const lease = await this.registry.acquire(path.join(job.folder, MANIFEST_NAME));
        try {
          await lease.model.ready;
          let lastDone = 0;
          let backendInUse: CaptionBackend | null = null;
          // The scan reports per image: a folder of a million would send as many messages to the window.
          const scanReports = pacedReports();
          const ran = await runCaptionJob({
            folder: job.folder,
            store: lease.model.runAccess(),
            scan: {
              exclude: settings.exclude,
              maxPixels: settings.maxPixels,
              maxBytes: settings.maxImageBytes,
              followExternalLinks: settings.followExternalLinks,
              onProgress: (done, total) => {
                job.progress = `scan ${done}/${total}`;
                if (!scanReports(done === total)) return;
                progress.report({ message: `scanning ${done}/${total}` });
                this.updateStatus();
              },
            },
            tasks: settings.tasks,
            redo: settings.redo,
            batchSize: settings.batchSize,
            followExternalLinks: settings.followExternalLinks,
            signal,
            openBackend: (s) => this.openBackend(settings, folderUri, s ?? signal, (message) => progress.report({ message })),
            onPhase: (phase, scan) => {
              job.progress = phase === 'scanning' ? 'scanning' : phase === 'loading' ? (settings.backend === 'openai' ? 'connecting' : 'loading model') : job.progress;
              if (phase === 'scanning') progress.report({ message: 'scanning images…' });
              if (scan) outcome.scanned = scan.images;
              this.updateStatus();
            },
            onBackend: (backend) => {
              backendInUse = backend;
              job.device = backend.device;
              this.updateStatus();
            },
            onProgress: ({ done, total, imagesPerSecond }) => {
              const increment = total > 0 ? ((done - lastDone) / total) * 100 : 0;
              lastDone = done;
              job.progress = `${done}/${total}`;
              // A GPU that failed mid-run moved the run to the CPU: say where it runs now.
              job.device = backendInUse?.device ?? job.device;
              progress.report({ increment, message: `${done}/${total} images · ${imagesPerSecond.toFixed(1)} images/s · ${job.device}` });
              this.updateStatus();
            },
          });
          if (ran.scan) outcome.scanned = ran.scan.images;
          outcome.result = ran.summary;
          outcome.cancelled = ran.cancelled;
          if (ran.scan && ran.scan.images === 0) void showWarning(`No images found in ${name}.`);
        } catch (err) {
          if (signal.aborted) outcome.cancelled = true;
          else outcome.error = err instanceof Error ? err.message : String(err);
        } finally {
          lease.release();
        }
      },
    );
    if (outcome.error) void showError(`Recaption ${name} failed: ${outcome.error}`);
    else if (outcome.cancelled) void showInfo(`Recaption ${name} cancelled; what was captioned is saved. Run it again to resume.`);
    else if (outcome.result) {
      const r = outcome.result;
      const skipped = r.protected > 0 ? `, ${r.protected} human captions left alone` : '';
      void showInfo(`Recaption ${name}: ${r.captioned} captioned, ${r.errors} failed${skipped} (${r.device}, ${r.imagesPerSecond.toFixed(1)} images/s).`);
    }
    return outcome;
  }
}

// Score Captions: an alignment score per alt-text, SSC and DSC of a dataset, written through the folder's
// one model (an open editor sees them; unsaved edits stay on top and a run writes the saved base only).
// The scorer (transformers.js, ONNX Runtime) runs in the engine process, started when the command runs.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ManifestRegistry } from '../core/document/manifest-registry.js';
import { DEFAULT_SCORE_MODEL } from '../core/scoring/defaults.js';
import { deviceRequestOf } from '../core/captioner/local/device-requests.js';
import { EngineScorer } from '../core/engine/engine-scorer.js';
import { engineEnvironmentOffThread } from '../core/engine/engine-environment.js';
import { scoreDataset, type ScoreReport } from '../core/scoring/score-dataset.js';
import { resolveScannedDataset } from './export-command.js';
import { showError, showInfo, showWarning } from './notify.js';
import { pickModel } from './run/settings.js';

export interface ScoreOutcome {
  folder: string;
  model: string;
  report: ScoreReport;
}

export async function scoreCaptionsCommand(registry: ManifestRegistry, modelCacheDir: string, uri?: vscode.Uri): Promise<ScoreOutcome | undefined> {
  const dataset = await resolveScannedDataset(uri, 'Score Captions');
  if (!dataset) return undefined;
  const { folder, manifest } = dataset;
  const config = vscode.workspace.getConfiguration('recaption', vscode.Uri.file(folder));
  const { chosen: model, ignoredWorkspaceModel } = pickModel(config, 'scoreModel', DEFAULT_SCORE_MODEL);
  if (ignoredWorkspaceModel) {
    void showWarning(`Restricted mode: this workspace is not trusted, so Recaption ignores the scoring model its settings name (${ignoredWorkspaceModel}) and uses ${model}.`);
  }
  const device = config.get<string>('device', 'auto');
  const lease = await registry.acquire(manifest);
  try {
    await lease.model.ready;
    const store = lease.model.runAccess();
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Score captions in ${path.basename(folder)}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        progress.report({ message: `loading ${model}…` });
        // The dual encoder runs in the engine process: never on the extension host's thread.
        const request = deviceRequestOf(device);
        const scorer = await EngineScorer.open(
          { model, device: request, dtype: 'auto', cacheDir: modelCacheDir },
          { env: await engineEnvironmentOffThread({ cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, device: request }), signal: controller.signal },
        );
        try {
          let last = 0;
          const report = await scoreDataset(store, scorer, {
            signal: controller.signal,
            onProgress: (done, total) => {
              progress.report({ increment: ((done - last) / total) * 100, message: `${done}/${total} images` });
              last = done;
            },
          });
          const parts = [`${report.scoredTexts} texts of ${report.scoredImages} images scored`, `${report.upToDate} already scored`];
          if (report.failed.length) parts.push(`${report.failed.length} could not be read (${report.failed[0]!.fileName}: ${report.failed[0]!.reason})`);
          const message = `Scores for ${path.basename(folder)} by ${scorer.modelName}${report.cancelled ? ' (cancelled; run again to resume)' : ''}: ${parts.join(', ')}.`;
          if (report.failed.length) void showWarning(message);
          else void showInfo(message);
          return { folder, model: scorer.modelName, report };
        } finally {
          await scorer.dispose();
        }
      },
    );
  } catch (err) {
    void showError(`Score Captions failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    lease.release();
  }
}

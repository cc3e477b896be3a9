// Push to Hugging Face Hub from VS Code: the repo id and visibility asked once, the token from
// SecretStorage (asked for when there is none), a cancellable progress notification per file. The push
// itself is src/core/hub; this is the VS Code side of it.
import * as vscode from 'vscode';
import { HubPushError, hubRepoNameProblem, pushFolderToHub, type HubPushResult } from '../core/hub/index.js';
import { getHubToken, hubEndpointSetting } from './hub-token.js';
import { showError, showInfo } from './notify.js';
import { withCancellableProgress } from './cancellable-progress.js';

export interface HubTarget {
  repo: string;
  private: boolean;
}

/** The repo and visibility, asked; undefined when dismissed. */
export async function askHubTarget(): Promise<HubTarget | undefined> {
  const repo = await vscode.window.showInputBox({
    title: 'Push to Hugging Face Hub: dataset repository',
    prompt: 'owner/name; created if it does not exist',
    placeHolder: 'your-name/recaptioned-dataset',
    ignoreFocusOut: true,
    validateInput: (value) => hubRepoNameProblem(value.trim()) ?? undefined,
  });
  if (repo === undefined) return undefined;
  const visibility = await vscode.window.showQuickPick(
    [
      { label: 'Private', description: 'only you and your organization see it (when the repo is created)', value: true },
      { label: 'Public', value: false },
    ],
    { title: 'Visibility of a new repository', ignoreFocusOut: true },
  );
  if (!visibility) return undefined;
  return { repo: repo.trim(), private: visibility.value };
}

/** The stored token, or the one the user sets now; undefined when there is none. */
async function hubToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  const stored = await getHubToken(secrets);
  if (stored) return stored;
  await vscode.commands.executeCommand('recaption.setHubToken');
  return getHubToken(secrets);
}

/**
 * Pushes a finished export folder. Returns the result, or undefined after telling the user why not.
 * `scripted` callers (tests, tasks) get the error thrown instead of only shown.
 */
export async function pushExportToHub(secrets: vscode.SecretStorage, folder: string, target: HubTarget, scripted = false): Promise<HubPushResult | undefined> {
  const token = await hubToken(secrets);
  if (!token) {
    void showError('No Hugging Face token is set: run "Recaption: Set Hugging Face Token", then push again.');
    return undefined;
  }
  try {
    const endpoint = hubEndpointSetting();
    const result = await withCancellableProgress(`Pushing to ${target.repo}`, (signal, progress) =>
      pushFolderToHub({
        folder,
        repo: target.repo,
        token,
        endpoint,
        private: target.private,
        signal,
        onProgress: (p) => progress(p.totalBytes ? (p.sentBytes / p.totalBytes) * 100 : 0, `${p.file} (${p.filesDone} of ${p.filesTotal} files)`),
      }),
    );
    if (!scripted) {
      void showInfo(`Pushed ${result.filesPushed} files to ${result.url}.`, 'Open on the Hub').then(async (action) => {
        if (action === 'Open on the Hub') await vscode.env.openExternal(vscode.Uri.parse(result.url));
      });
    }
    return result;
  } catch (err) {
    if (scripted) throw err;
    if (err instanceof HubPushError && err.code === 'cancelled') void showInfo(err.message);
    else void showError(`Push failed: ${(err as Error).message}`);
    return undefined;
  }
}

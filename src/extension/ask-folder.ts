// The one folder prompt of the commands: a dataset folder to work on, an output folder, a model folder.
import * as vscode from 'vscode';

/** Asks for one folder; undefined when the user cancels. Without `startIn`, the dialog opens where VS Code chooses. */
export async function askFolder(openLabel: string, options: { title?: string; startIn?: vscode.Uri } = {}): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: options.startIn,
    openLabel,
    title: options.title,
  });
  return picked?.[0];
}

/** Asks for the dataset folder a command works on, starting in the first workspace folder. */
export function askDatasetFolder(openLabel: string): Promise<vscode.Uri | undefined> {
  return askFolder(openLabel, { startIn: vscode.workspace.workspaceFolders?.[0]?.uri });
}

// The Hugging Face token for pushing datasets, kept in VS Code's SecretStorage only: never in settings,
// logs, the manifest or an export. Setting it checks it with the Hub (whoAmI) so that a typo is caught
// now rather than at the end of an export.
import * as vscode from 'vscode';
import { HubApiError, whoAmI } from '@huggingface/hub';
import { DEFAULT_HUB_ENDPOINT, normalizeHubEndpoint } from '../core/hub/index.js';
import { showError, showInfo, showWarning } from './notify.js';

export const HUB_TOKEN_KEY = 'recaption.huggingFaceToken';

export async function getHubToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(HUB_TOKEN_KEY))?.trim() || undefined;
}

/**
 * The Hub's URL from the setting recaption.hub.endpoint (default huggingface.co). The token is sent there,
 * so only the user's own value counts: a workspace's .vscode/settings.json cannot redirect it.
 * Throws a TypeError saying what is wrong with an invalid value.
 */
export function hubEndpointSetting(): string {
  const inspected = vscode.workspace.getConfiguration('recaption').inspect<string>('hub.endpoint');
  const value = inspected?.globalValue ?? inspected?.defaultValue ?? DEFAULT_HUB_ENDPOINT;
  return normalizeHubEndpoint(typeof value === 'string' ? value : undefined);
}

function tokenInputProblem(value: string): string | undefined {
  const token = value.trim();
  if (token === '') return 'Enter a token, or run "Recaption: Clear Hugging Face Token" to remove one';
  if (!token.startsWith('hf_')) return 'A Hugging Face token starts with "hf_"';
  if (/\s/.test(token)) return 'A token has no spaces';
  return undefined;
}

/** Who the token belongs to, "refused" when the Hub says it is not valid, or null when the Hub could not be asked. */
async function checkToken(token: string, endpoint: string): Promise<{ name: string } | 'refused' | null> {
  try {
    const me = await whoAmI({ accessToken: token, hubUrl: endpoint, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(15_000) }) });
    return { name: typeof me.name === 'string' ? me.name : 'an unnamed account' };
  } catch (err) {
    if (err instanceof HubApiError && err.statusCode === 401) return 'refused';
    return null;
  }
}

async function setHubToken(secrets: vscode.SecretStorage): Promise<void> {
  let endpoint: string;
  try {
    endpoint = hubEndpointSetting();
  } catch (err) {
    void showError(`recaption.hub.endpoint: ${(err as Error).message}`);
    return;
  }
  const entered = await vscode.window.showInputBox({
    title: 'Hugging Face token',
    prompt: `A token with write access (${endpoint}/settings/tokens). Kept in VS Code’s secret storage and sent only to ${endpoint}.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: tokenInputProblem,
  });
  if (entered === undefined || tokenInputProblem(entered)) return;
  const token = entered.trim();
  const who = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking the token with ${endpoint}…` }, () => checkToken(token, endpoint));
  if (who === 'refused') {
    void showError(`${endpoint} refused this token (401); it was not stored. Copy the token again from ${endpoint}/settings/tokens.`);
    return;
  }
  await secrets.store(HUB_TOKEN_KEY, token);
  if (who) void showInfo(`Recaption stored the Hugging Face token of ${who.name}.`);
  else void showWarning(`Recaption stored the Hugging Face token, but could not reach ${endpoint} to check it.`);
}

async function clearHubToken(secrets: vscode.SecretStorage): Promise<void> {
  await secrets.delete(HUB_TOKEN_KEY);
  void showInfo('Recaption removed the Hugging Face token.');
}

export function registerHubTokenCommands(context: vscode.ExtensionContext): void {
  // Under the test runner only, a token can be given as the argument (the extension-host tests have no
  // one to type it); anywhere else another extension must not be able to swap the user's token.
  const testing = context.extensionMode === vscode.ExtensionMode.Test;
  context.subscriptions.push(
    vscode.commands.registerCommand('recaption.setHubToken', async (given?: unknown) => {
      if (testing && typeof given === 'string' && !tokenInputProblem(given)) await context.secrets.store(HUB_TOKEN_KEY, given.trim());
      else await setHubToken(context.secrets);
    }),
    vscode.commands.registerCommand('recaption.clearHubToken', () => clearHubToken(context.secrets)),
  );
}

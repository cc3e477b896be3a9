// API keys for OpenAI-compatible endpoints, in VS Code's SecretStorage only, one per endpoint origin
// (scheme://host:port): a key stored for one server is never sent to another. Never in settings, logs
// or the manifest.
import * as vscode from 'vscode';
import { showError, showInfo } from '../notify.js';
import { normalizeBaseUrl } from '../../core/captioner/remote/index.js';

const PREFIX = 'recaption.apiKey:';

/** scheme://host:port of an endpoint URL; throws EndpointConfigError for a URL Recaption would refuse anyway. */
export function endpointOrigin(endpoint: string): string {
  return new URL(normalizeBaseUrl(endpoint)).origin;
}

export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(endpoint: string): Promise<string | undefined> {
    return (await this.secrets.get(PREFIX + endpointOrigin(endpoint))) || undefined;
  }

  async set(endpoint: string, key: string): Promise<void> {
    await this.secrets.store(PREFIX + endpointOrigin(endpoint), key);
  }

  async delete(endpoint: string): Promise<void> {
    await this.secrets.delete(PREFIX + endpointOrigin(endpoint));
  }
}

/** The endpoints the settings name (captioning and upsampling), for the key commands to offer. */
function configuredEndpoints(): string[] {
  const config = vscode.workspace.getConfiguration('recaption');
  const names = [config.get<string>('remote.endpoint', ''), config.get<string>('upsample.endpoint', '')];
  const origins = new Map<string, string>();
  for (const endpoint of names) {
    if (!endpoint.trim()) continue;
    try {
      origins.set(endpointOrigin(endpoint), endpoint);
    } catch {
      // an invalid URL: the run reports it where it is used
    }
  }
  return [...origins.values()];
}

async function chooseEndpoint(action: string, given: unknown): Promise<string | undefined> {
  if (typeof given === 'string' && given.trim() !== '') return given;
  const endpoints = configuredEndpoints();
  if (endpoints.length === 1) return endpoints[0];
  if (endpoints.length > 1) return vscode.window.showQuickPick(endpoints, { title: `${action}: which endpoint?`, ignoreFocusOut: true });
  return vscode.window.showInputBox({
    title: `${action}: endpoint URL`,
    prompt: 'The OpenAI-compatible base URL the key belongs to (set recaption.remote.endpoint to skip this question)',
    placeHolder: 'https://api.example.com/v1',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        endpointOrigin(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
}

export async function setApiKeyCommand(keys: ApiKeyStore, endpointArg?: unknown): Promise<void> {
  const endpoint = await chooseEndpoint('Set API Key', endpointArg);
  if (!endpoint) return;
  let origin: string;
  try {
    origin = endpointOrigin(endpoint);
  } catch (err) {
    void showError((err as Error).message);
    return;
  }
  const key = await vscode.window.showInputBox({
    title: `API key for ${origin}`,
    prompt: 'Kept in VS Code’s secret storage, sent only to this origin as a Bearer token.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Enter a key, or use "Clear API Key" to remove one' : undefined),
  });
  if (key === undefined) return;
  await keys.set(endpoint, key.trim());
  void showInfo(`Recaption stored the API key for ${origin}.`);
}

export async function clearApiKeyCommand(keys: ApiKeyStore, endpointArg?: unknown): Promise<void> {
  const endpoint = await chooseEndpoint('Clear API Key', endpointArg);
  if (!endpoint) return;
  try {
    await keys.delete(endpoint);
    void showInfo(`Recaption removed the API key for ${endpointOrigin(endpoint)}.`);
  } catch (err) {
    void showError((err as Error).message);
  }
}

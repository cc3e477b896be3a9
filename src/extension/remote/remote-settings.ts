// recaption.remote.* and recaption.upsample.* settings. Endpoints are machine-scoped (user settings only)
// and restricted in untrusted workspaces: a repository's settings must not redirect requests, which carry
// the stored key, to another host. Values read here go straight into the core's remote client options.
import * as vscode from 'vscode';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_SIDE, DEFAULT_TEMPERATURE, DEFAULT_TIMEOUT_MS, type RemoteBackendOptions } from '../../core/captioner/remote/index.js';
import type { UpsampleSource } from '../../core/upsample/index.js';
import { boundedInt, effectiveSetting } from '../settings-trust.js';

/** A setting's value with restricted mode applied (settings-trust.ts). */
function setting<T>(config: vscode.WorkspaceConfiguration, key: string, fallback: T): T {
  return effectiveSetting(key, config.inspect<T>(key), vscode.workspace.isTrusted, fallback);
}

/** A text setting (a prompt, an instruction): undefined when empty, so the built-in one applies. */
function optionalText(config: vscode.WorkspaceConfiguration, key: string): string | undefined {
  const value = setting<unknown>(config, key, '');
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export class RemoteSettingsError extends Error {
  override name = 'RemoteSettingsError';
}

/** A machine-scoped setting: only the user's value counts, whatever a workspace file says. */
function userValue(config: vscode.WorkspaceConfiguration, key: string): string {
  const v = config.inspect<string>(key);
  return (v?.globalValue ?? v?.defaultValue ?? '').trim();
}

export interface RemoteCommon {
  endpoint: string;
  model: string;
  concurrency: number;
  timeoutMs: number;
}

function common(config: vscode.WorkspaceConfiguration, endpointKey: string, modelKey: string, what: string): RemoteCommon {
  const endpoint = userValue(config, endpointKey);
  if (!endpoint) throw new RemoteSettingsError(`Set recaption.${endpointKey} in your user settings to the ${what} server's OpenAI-compatible base URL (e.g. http://localhost:8000/v1).`);
  const model = config.get<string>(modelKey, '').trim();
  if (!model) throw new RemoteSettingsError(`Set recaption.${modelKey} to the model name the ${what} server knows.`);
  return {
    endpoint,
    model,
    concurrency: boundedInt(setting(config, 'remote.concurrency', DEFAULT_CONCURRENCY), 1, 256, DEFAULT_CONCURRENCY),
    timeoutMs: boundedInt(setting(config, 'remote.timeoutSeconds', DEFAULT_TIMEOUT_MS / 1000), 1, 3600, DEFAULT_TIMEOUT_MS / 1000) * 1000,
  };
}

/** Options for RemoteCaptionBackend (without the key, which comes from SecretStorage). */
export function readRemoteCaptionSettings(folder: vscode.Uri): RemoteBackendOptions & RemoteCommon {
  const config = vscode.workspace.getConfiguration('recaption', folder);
  const base = common(config, 'remote.endpoint', 'remote.model', 'captioning');
  const maxTokens = boundedInt(setting(config, 'remote.maxTokens', 0), 0, 32_768, 0);
  return {
    ...base,
    baseUrl: base.endpoint,
    maxTokens: maxTokens > 0 ? { ssc: maxTokens, dsc: maxTokens } : undefined,
    temperature: config.get<number>('remote.temperature', DEFAULT_TEMPERATURE),
    maxSide: config.get<number>('remote.maxSide', DEFAULT_MAX_SIDE),
    prompts: { ssc: optionalText(config, 'remote.sscPrompt'), dsc: optionalText(config, 'remote.dscPrompt') },
  };
}

export interface UpsampleSettings extends RemoteCommon {
  from: UpsampleSource;
  /** undefined: the built-in instruction. */
  instruction: string | undefined;
}

/** Upsampling falls back to the captioning endpoint and model when its own are not set. */
export function readUpsampleSettings(folder: vscode.Uri): UpsampleSettings {
  const config = vscode.workspace.getConfiguration('recaption', folder);
  const endpointKey = userValue(config, 'upsample.endpoint') ? 'upsample.endpoint' : 'remote.endpoint';
  const modelKey = config.get<string>('upsample.model', '').trim() ? 'upsample.model' : 'remote.model';
  return {
    ...common(config, endpointKey, modelKey, 'upsampling'),
    from: config.get<string>('upsample.from', 'ssc') === 'alt' ? 'alt' : 'ssc',
    instruction: optionalText(config, 'upsample.instruction'),
  };
}

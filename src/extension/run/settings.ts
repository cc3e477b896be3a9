// Reads recaption.* settings for a folder. In an untrusted workspace (restricted mode) a model named by
// workspace or folder settings is ignored: only the user's own settings may point at code or weights.
import { DEFAULT_CAPTION_MODEL } from '../../core/captioner/defaults.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS } from '../../core/limits.js';
import * as vscode from 'vscode';
import type { CaptionKind } from '../../shared/record.js';
import { boundedInt, effectiveSetting } from '../settings-trust.js';

export type RedoMode = 'missing' | 'machine' | 'errors';

export type BackendKind = 'local' | 'openai';

export interface RunSettings {
  /** local: a model in this process; openai: an OpenAI-compatible endpoint (recaption.remote.*). */
  backend: BackendKind;
  model: string;
  /** Where `model` came from, for messages. */
  modelSource: 'default' | 'user' | 'workspace';
  device: string;
  dtype: string;
  batchSize: number;
  tasks: CaptionKind[];
  redo: RedoMode;
  exclude: string[];
  maxPixels: number;
  /** Image files over this many bytes are refused. */
  maxImageBytes: number;
  /** Follow symbolic links out of the dataset folder when scanning; only from user settings when the workspace is untrusted. */
  followExternalLinks: boolean;
  /** A model the workspace's settings name but restricted mode (untrusted workspace) ignored. */
  ignoredWorkspaceModel: string | null;
}

export function readRunSettings(folder: vscode.Uri): RunSettings {
  const config = vscode.workspace.getConfiguration('recaption', folder);
  const setting = <T>(key: string, fallback: T): T => effectiveSetting(key, config.inspect<T>(key), vscode.workspace.isTrusted, fallback);
  const { chosen, modelSource, ignoredWorkspaceModel } = pickModel(config, 'model', DEFAULT_CAPTION_MODEL);
  // Restricted mode: a workspace may not switch to uploading its images to the user's endpoint.
  const backendSetting = config.inspect<string>('backend');
  const backend = vscode.workspace.isTrusted ? config.get<string>('backend', 'local') : (backendSetting?.globalValue ?? 'local');
  const tasks = config.get<string[]>('tasks', ['ssc', 'dsc']).filter((t): t is CaptionKind => t === 'ssc' || t === 'dsc');
  return {
    backend: backend === 'openai' ? 'openai' : 'local',
    model: chosen,
    modelSource,
    device: config.get<string>('device', 'auto'),
    dtype: config.get<string>('dtype', 'auto'),
    batchSize: boundedInt(setting('batchSize', 0), 0, 256, 0),
    tasks: tasks.length > 0 ? tasks : ['ssc', 'dsc'],
    redo: config.get<RedoMode>('redo', 'missing'),
    exclude: config.get<string[]>('exclude', []),
    maxPixels: boundedInt(setting('maxPixels', DEFAULT_MAX_PIXELS), 1, 2 ** 40, DEFAULT_MAX_PIXELS),
    maxImageBytes: boundedInt(setting('maxImageBytes', DEFAULT_MAX_IMAGE_BYTES), 1, 2 ** 40, DEFAULT_MAX_IMAGE_BYTES),
    followExternalLinks: setting<unknown>('followExternalLinks', false) === true,
    ignoredWorkspaceModel,
  };
}

/**
 * A model setting under the trust rule: a workspace's value counts only in a trusted workspace (it names
 * weights to load, and a folder's settings could point at a file made to exploit a parser).
 */
export function pickModel(config: vscode.WorkspaceConfiguration, key: string, fallback: string): { chosen: string; modelSource: RunSettings['modelSource']; ignoredWorkspaceModel: string | null } {
  const model = config.inspect<string>(key);
  const workspaceModel = model?.workspaceFolderValue ?? model?.workspaceValue;
  const ignoredWorkspaceModel = workspaceModel !== undefined && !vscode.workspace.isTrusted ? workspaceModel : null;
  if (workspaceModel !== undefined && vscode.workspace.isTrusted) return { chosen: workspaceModel, modelSource: 'workspace', ignoredWorkspaceModel };
  if (model?.globalValue !== undefined) return { chosen: model.globalValue, modelSource: 'user', ignoredWorkspaceModel };
  return { chosen: model?.defaultValue ?? fallback, modelSource: 'default', ignoredWorkspaceModel };
}

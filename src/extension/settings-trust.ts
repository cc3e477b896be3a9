// Restricted mode: which recaption.* settings an untrusted workspace may not set, and the value that counts
// then. A repository's .vscode/settings.json must not be able to point the captioner at its own code, send
// the images elsewhere, switch off the decompression-bomb guard (maxPixels 1e12), flood an endpoint
// (concurrency 100000) or put its own words in the prompts. Their workspace values are ignored (the user's
// value or the default counts) and numbers are kept within bounds whoever set them.
import type * as vscode from 'vscode';

/** Also declared in package.json capabilities.untrustedWorkspaces.restrictedConfigurations (a test checks). */
export const RESTRICTED_SETTINGS = [
  'model',
  'backend',
  'batchSize',
  'maxPixels',
  'maxImageBytes',
  'followExternalLinks',
  'remote.endpoint',
  'remote.concurrency',
  'remote.timeoutSeconds',
  'remote.maxTokens',
  'remote.sscPrompt',
  'remote.dscPrompt',
  'upsample.endpoint',
  'upsample.instruction',
] as const;

type Inspected<T> = Pick<NonNullable<ReturnType<vscode.WorkspaceConfiguration['inspect']>>, 'globalValue' | 'workspaceValue' | 'workspaceFolderValue' | 'defaultValue'> & {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
  defaultValue?: T;
};

/** The value that counts: the usual precedence when trusted; for a restricted setting when not, the user's or the default. */
export function effectiveSetting<T>(key: string, inspected: Inspected<T> | undefined, trusted: boolean, fallback: T): T {
  if (!inspected) return fallback;
  const restricted = (RESTRICTED_SETTINGS as readonly string[]).includes(key);
  if (trusted || !restricted) return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue ?? inspected.defaultValue ?? fallback;
  return inspected.globalValue ?? inspected.defaultValue ?? fallback;
}

/** A whole number kept within [min, max]; anything else (NaN, a string from a hand-edited file) is `fallback`. */
export function boundedInt(value: unknown, min: number, max: number, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

// Settings and file helpers for the tests that talk to the local OpenAI-compatible test server.
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Every file under a folder, recursively (the manifest, temp files, anything a run left behind). */
export async function filesUnder(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Points captioning at the endpoint (backend openai), or back to the defaults with undefined. */
export async function useRemote(endpoint: string | undefined, model = 'test-vlm'): Promise<void> {
  const config = vscode.workspace.getConfiguration('recaption');
  await config.update('backend', endpoint ? 'openai' : undefined, vscode.ConfigurationTarget.Global);
  await config.update('remote.endpoint', endpoint, vscode.ConfigurationTarget.Global);
  await config.update('remote.model', endpoint ? model : undefined, vscode.ConfigurationTarget.Global);
}

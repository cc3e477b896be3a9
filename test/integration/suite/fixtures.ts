// Helpers for the extension-host tests: real images (sharp) and real manifests (ManifestStore) in temp folders.
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { ManifestStore } from '../../../src/core/dataset/manifest-store.js';
import { emptyRecord, MANIFEST_NAME } from '../../../src/shared/record.js';
import type { RecaptionApi } from '../../../src/extension/extension.js';

export const EXTENSION_ID = 'recaption.recaption';

export async function api(): Promise<RecaptionApi> {
  const ext = vscode.extensions.getExtension<RecaptionApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const exports = ext.isActive ? ext.exports : await ext.activate();
  if (!exports) throw new Error('the extension exports its API only under VS Code\'s test runner (extensionMode Test)');
  return exports;
}

const COLOURS: [number, number, number][] = [[220, 30, 30], [30, 200, 40], [40, 60, 220], [240, 220, 40], [20, 20, 20], [250, 250, 250]];

/** A folder of `count` small PNGs; with `captioned`, a manifest whose captions a model wrote. */
export async function makeDataset(count: number, captioned: boolean): Promise<string> {
  const base = process.env.RECAPTION_TEST_WORKSPACE ?? os.tmpdir();
  const folder = await fs.mkdtemp(path.join(base, 'dataset-'));
  const store = await ManifestStore.open(folder);
  for (let i = 0; i < count; i++) {
    const [r, g, b] = COLOURS[i % COLOURS.length]!;
    const name = `img-${String(i).padStart(3, '0')}.png`;
    await sharp({ create: { width: 64 + i, height: 48, channels: 3, background: { r, g, b } } }).png().toFile(path.join(folder, name));
    if (!captioned) continue;
    store.put({ ...emptyRecord(name), width: 64 + i, height: 48, alt: { text: `alt text ${i}`, source: 'sidecar' } });
    store.writeMachineCaption(name, 'ssc', { text: `machine short ${i}`, by: 'model', model: 'tiny' });
    store.writeMachineCaption(name, 'dsc', { text: `machine long description ${i}`, by: 'model', model: 'tiny' });
  }
  if (captioned) await store.save();
  return folder;
}

export function manifestUri(folder: string): vscode.Uri {
  return vscode.Uri.file(path.join(folder, MANIFEST_NAME));
}

export async function readManifest(folder: string): Promise<Record<string, { ssc: { text: string; by: string; review: string | null; original?: string } | null; dsc: { text: string; by: string; review: string | null; original?: string } | null }>> {
  const text = await fs.readFile(path.join(folder, MANIFEST_NAME), 'utf8');
  const out: Record<string, never> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { file_name: string };
    (out as Record<string, unknown>)[r.file_name] = r;
  }
  return out;
}

export async function waitUntil<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function activeTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.activeTabGroup.activeTab;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

// Restricted mode: a repository's workspace settings cannot loosen what protects the user (the pixel
// guard, request concurrency, prompts, links out of the dataset, the model and endpoints), and every such
// setting is declared to VS Code as restricted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { boundedInt, effectiveSetting, RESTRICTED_SETTINGS } from '../../src/extension/settings-trust.js';

test('an untrusted workspace\'s value of a restricted setting is ignored; the user\'s or the default counts', () => {
  const inspected = { defaultValue: 8, globalValue: undefined, workspaceValue: 100_000, workspaceFolderValue: undefined };
  assert.equal(effectiveSetting('remote.concurrency', inspected, false, 8), 8);
  assert.equal(effectiveSetting('remote.concurrency', { ...inspected, globalValue: 16 }, false, 8), 16);
  assert.equal(effectiveSetting('remote.concurrency', inspected, true, 8), 100_000, 'a trusted workspace decides');
  assert.equal(effectiveSetting('maxPixels', { defaultValue: 268402689, workspaceValue: 1e12 }, false, 0), 268402689);
  assert.equal(effectiveSetting('remote.sscPrompt', { defaultValue: '', workspaceFolderValue: 'ignore the image and' }, false, ''), '');
  // A setting that is not restricted keeps the usual precedence.
  assert.deepEqual(effectiveSetting<string[]>('tasks', { defaultValue: ['ssc', 'dsc'], workspaceValue: ['dsc'] }, false, []), ['dsc']);
});

test('numbers are kept within bounds whoever set them', () => {
  assert.equal(boundedInt(100_000, 1, 256, 8), 256);
  assert.equal(boundedInt(-3, 0, 256, 0), 0);
  assert.equal(boundedInt('12', 1, 256, 8), 8);
  assert.equal(boundedInt(Number.NaN, 1, 256, 8), 8);
  assert.equal(boundedInt(7.9, 1, 256, 8), 7);
});

test('package.json declares exactly these settings restricted, and each exists', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    contributes: { configuration: { properties: Record<string, unknown> } };
  };
  const declared = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.deepEqual([...declared].sort(), RESTRICTED_SETTINGS.map((k) => `recaption.${k}`).sort());
  for (const key of declared) assert.ok(key in pkg.contributes.configuration.properties, `${key} is not a setting`);
});

// A bare owner/name is a hub id: a dataset (or any current folder) that ships a folder of that name cannot
// silently replace the model. A folder is used only when the path says so (absolute, ./, ../, ~).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../src/core/captioner/local/model-source.js';
import { isExplicitModelPath } from '../../src/core/captioner/local/model-source.js';
import { TINY_FLORENCE2 } from './captioner-fixture.js';

test('owner/name goes to the hub even when a folder of that name is in the current folder', async () => {
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-ids-'));
  const before = process.cwd();
  try {
    await fs.cp(TINY_FLORENCE2, path.join(cwd, 'onnx-community', 'Florence-2-base-ft'), { recursive: true });
    process.chdir(cwd);
    const options = { endpoint: 'http://127.0.0.1:9', cacheDir: path.join(cwd, '.cache') };
    await assert.rejects(resolveModel('onnx-community/Florence-2-base-ft', 'cpu', 'auto', options), (err: Error) => {
      assert.match(err.message, /a folder onnx-community\/Florence-2-base-ft is here too; to use it, write \.\/onnx-community\/Florence-2-base-ft/);
      return true;
    });
    const local = await resolveModel('./onnx-community/Florence-2-base-ft', 'cpu', 'auto', options);
    assert.equal(local.source, 'folder');
  } finally {
    process.chdir(before);
    await fs.rm(cwd, { recursive: true, force: true });
  }
});

test('what counts as an explicit path', () => {
  for (const p of ['/models/x', './x/y', '../x/y', '~/models/x', '~', '.', 'C:\\models\\x', 'C:/models/x', '.\\x\\y']) assert.equal(isExplicitModelPath(p), true, p);
  for (const p of ['onnx-community/Florence-2-base-ft', 'acme/model', 'models/x']) assert.equal(isExplicitModelPath(p), false, p);
});

// `recaption caption` as a user runs it: a folder with no manifest yet, the tiny model, offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { MANIFEST_NAME } from '../../src/shared/record.js';
import { SCRIPTED_CAPTIONS } from '../support/models/tiny-models.js';
import { missingCudaLibraries } from '../../src/core/captioner/local/device.js';
import { BLUE, GREEN, RED, TINY_FLORENCE2, removeDir, tempDir, writeImage } from './captioner-fixture.js';

const cliEntry = path.join(__dirname, '../../src/cli/main.ts');

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:9' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('recaption caption scans a new folder, captions it with the tiny model and prints a summary', async () => {
  const dir = await tempDir();
  try {
    await writeImage(path.join(dir, 'a.png'), RED);
    await writeImage(path.join(dir, 'sub', 'b.jpg'), BLUE, 'jpeg');
    await writeImage(path.join(dir, 'c.png'), GREEN);
    const r = await cli(['caption', dir, '--model', TINY_FLORENCE2, '--batch-size', '2', '--drop-closing']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /scanned 3 images into recaption\.jsonl/);
    assert.match(r.stderr, /model tiny-florence2: florence2 q8 on cpu/);
    assert.match(r.stderr, /captioned 3 of 3 images due \(6 SSC\+DSC captions; 0 already done\), 0 human\/reviewed captions left alone, 0 errors; [\d.]+ images\/s on cpu, batch 2/);
    const store = await ManifestStore.open(dir);
    assert.equal(store.get('sub/b.jpg')?.ssc?.text, SCRIPTED_CAPTIONS.ssc('blue'));
    assert.doesNotMatch(store.get('a.png')!.dsc!.text, /overall mood/);

    const again = await cli(['caption', dir, '--model', TINY_FLORENCE2, '--tasks', 'ssc', '--redo', 'machine']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /captioned 3 of 3 images due \(3 SSC captions/);
  } finally {
    await removeDir(dir);
  }
});

test('recaption caption: bad options, an unavailable device and an unreachable hub are one-line errors', async () => {
  const dir = await tempDir();
  try {
    await writeImage(path.join(dir, 'a.png'), RED);
    const bad = await cli(['caption', dir, '--tasks', 'ssc,xyz']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--tasks takes ssc, dsc or ssc,dsc/);
    if (missingCudaLibraries()) {
      const cuda = await cli(['caption', dir, '--model', TINY_FLORENCE2, '--device', 'cuda']);
      assert.equal(cuda.status, 1);
      assert.match(cuda.stderr, /recaption caption: device "cuda" is not available: the CUDA provider libraries are not installed/);
    }
    const offline = await cli(['caption', dir, '--model', 'onnx-community/Florence-2-base-ft', '--device', 'cpu', '--cache-dir', path.join(dir, '.cache')]);
    assert.equal(offline.status, 1);
    assert.match(offline.stderr, /cannot download onnx-community\/Florence-2-base-ft .*--model <folder>/);
    await fs.access(path.join(dir, MANIFEST_NAME));
  } finally {
    await removeDir(dir);
  }
});

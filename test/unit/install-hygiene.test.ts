// Installing offline with npm as it is now and next: no unknown project config, and every dependency's
// install script has a recorded decision (package.json allowScripts), so `npm ci` warns about nothing
// and runs no script that would download (onnxruntime-node's CUDA libraries, vsce-sign's binaries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '../..');

test('npm reads the project config without warnings and every install script is decided', () => {
  const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/);
  assert.doesNotMatch(r.stdout + r.stderr, /not yet covered by allowScripts/);
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false, 'onnxruntime-node must not fetch CUDA libraries during npm ci');
});

test('transformers.js is pinned exactly: the Florence-2 family reaches into its internals', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of ['@huggingface/transformers', 'onnxruntime-node']) assert.match(pkg.dependencies[name]!, /^\d+\.\d+\.\d+$/, `${name} is not pinned exactly`);
});

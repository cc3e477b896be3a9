// The CLI loads ONNX Runtime and transformers.js only for the commands that run a model: `recaption stats`
// on a million records should not pay for them at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../src/cli/main.ts');
const hook = path.resolve(__dirname, '../support/report-captioner-loads.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', ...args], { encoding: 'utf8', cwd: path.resolve(__dirname, '../..') });

test('starting the CLI loads neither ONNX Runtime nor transformers.js', () => {
  // The hook itself sees a load (so its silence below means something).
  assert.match(run('-e', "require('onnxruntime-node')").stderr, /LOADED onnxruntime-node/);
  for (const args of [['--help'], ['stats', '--help'], ['score', '--help'], ['caption', '--help']]) {
    const r = run(cli, ...args);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /LOADED/, `recaption ${args.join(' ')}`);
  }
});

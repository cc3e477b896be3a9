// Bundles the extension-host test suite (test/integration/suite) into out/integration/, CommonJS for the
// extension host. vscode, mocha and the native modules stay external (resolved from node_modules).
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const suite = readdirSync('test/integration/suite').filter((f) => f.endsWith('.ts'));
await esbuild.build({
  entryPoints: suite.map((f) => `test/integration/suite/${f}`),
  outdir: 'out/integration',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha', 'sharp', 'onnxruntime-node', '@huggingface/transformers'],
  logLevel: 'warning',
});

// One esbuild config, three bundles (the extension's with its worker threads and engine): extension host (CJS, node), CLI (CJS, node), webview (ESM, browser).
// Native modules (onnxruntime-node, sharp) and transformers.js (which loads them at run time) stay external.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const nodeExternal = ['vscode', 'onnxruntime-node', 'sharp', '@huggingface/transformers', 'onnxruntime-web'];

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    // The index and pattern workers are their own files: the extension host starts them as worker threads.
    // The engine is its own process (dist/engine.js), started by the extension and the CLI alike.
    // The import worker (dist/import-worker.js) parses Parquet files and tar shards for the extension and the CLI alike.
    // The stats worker (dist/stats-worker.js) reads a part of a manifest for the CLI's `stats`.
    // The habit-texts worker (dist/habit-texts-worker.js) measures captions for the habit report (Show Caption Report, stats --report).
    // The export-texts worker (dist/export-texts-worker.js) measures an export's captions for its card and writes its JSON lines (hf, llava, openai).
    // The engine-env worker (dist/engine-env-worker.js) searches for the CUDA libraries an engine starts with, off the extension host's thread.
    // The Parquet worker (dist/parquet-worker.js) encodes and writes a Parquet export's row groups beside the export's pass.
    // The range-record worker (dist/range-record-worker.js) parses a range of a large manifest for the CLI's export.
    entryPoints: {
      extension: 'src/extension/extension.ts',
      'index-worker': 'src/core/dataset/index-worker.ts',
      'pattern-worker': 'src/core/dataset/pattern-worker.ts',
      engine: 'src/core/engine/engine-main.ts',
      'import-worker': 'src/core/import/import-worker.ts',
      'stats-worker': 'src/core/analysis/stats-worker.ts',
      'habit-texts-worker': 'src/core/analysis/habit-texts-worker.ts',
      'export-texts-worker': 'src/core/export/texts-thread/export-texts-worker.ts',
      'engine-env-worker': 'src/core/engine/engine-env-worker.ts',
      'parquet-worker': 'src/core/export/formats/parquet/parquet-worker.ts',
      'range-record-worker': 'src/core/dataset/range-record-worker.ts',
    },
    platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal,
  },
  {
    entryPoints: { cli: 'src/cli/main.ts' },
    platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    entryPoints: { webview: 'src/webview/main.ts' },
    platform: 'browser', format: 'esm', target: 'es2022',
  },
];

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = { define: { RECAPTION_PACKAGE_VERSION: JSON.stringify(version) }, bundle: true, outdir: 'dist', sourcemap: !production, minify: production, logLevel: 'warning' };
if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}

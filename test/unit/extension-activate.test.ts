// The extension's entry point, bundled as it ships and activated against a stand-in for the vscode module:
// what it hands other extensions (nothing, outside VS Code's test runner: its exports would reach the API
// keys), and what loading it pulls in (no ONNX Runtime, no transformers.js until a captioning run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import Module from 'node:module';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ExtensionMode = { Production: 1, Development: 2, Test: 3 } as const;

/** Anything the extension touches on `vscode`: every property is another stand-in, every call returns one. */
function standIn(): unknown {
  const target = function () {};
  const handler: ProxyHandler<typeof target> = {
    get: (_t, key) => {
      if (key === 'then') return undefined;
      if (key === Symbol.toPrimitive) return () => '';
      if (key === 'fsPath' || key === 'path') return path.join(os.tmpdir(), 'recaption-standin');
      return standIn();
    },
    set: () => true,
    apply: () => standIn(),
    construct: () => standIn() as object,
  };
  return new Proxy(target, handler);
}

async function bundleExtension(): Promise<string> {
  // Inside the checkout, so that its node_modules resolve the externals.
  await fs.mkdir(path.join(__dirname, '../../out'), { recursive: true });
  const dir = await fs.mkdtemp(path.join(__dirname, '../../out/unit-extension-'));
  const out = path.join(dir, 'extension.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, '../../src/extension/extension.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node', 'sharp', '@huggingface/transformers', 'onnxruntime-web'],
    logLevel: 'silent',
  });
  return out;
}

interface ExtensionModule {
  activate(context: unknown): unknown;
}

function loadWithStandIn(file: string): ExtensionModule {
  // esbuild copies a CommonJS module's own properties, so the namespaces the extension uses are listed.
  const namespaces = ['window', 'workspace', 'commands', 'extensions', 'env', 'languages', 'l10n', 'Uri', 'EventEmitter', 'Disposable', 'RelativePattern', 'TabInputCustom', 'ProgressLocation', 'StatusBarAlignment', 'ConfigurationTarget', 'ViewColumn', 'ThemeIcon', 'CancellationTokenSource'];
  const vscode: Record<string, unknown> = { ExtensionMode };
  for (const name of namespaces) vscode[name] = standIn();
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscode : original.call(this, request, parent, isMain);
  };
  try {
    // The bundle is CommonJS, loaded as the extension host loads it.
    return Module.createRequire(__filename)(file) as ExtensionModule;
  } finally {
    mod._load = original;
  }
}

const captionerLoaded = () => Object.keys(require.cache).filter((m) => /[\\/](onnxruntime-node|@huggingface[\\/]transformers)[\\/]/.test(m));

test('activate() exports nothing outside the test runner, so no other extension reaches the API keys; loading it loads no captioner', async () => {
  const file = await bundleExtension();
  try {
    assert.deepEqual(captionerLoaded(), [], 'this test process starts without the captioner');
    const ext = loadWithStandIn(file);
    const context = (mode: number) => new Proxy({ extensionMode: mode, subscriptions: [] as unknown[] }, { get: (t, key) => (key in t ? t[key as keyof typeof t] : standIn()) });
    assert.equal(ext.activate(context(ExtensionMode.Production)), undefined);
    assert.equal(ext.activate(context(ExtensionMode.Development)), undefined);
    const forTests = ext.activate(context(ExtensionMode.Test)) as Record<string, unknown> | undefined;
    assert.ok(forTests && 'provider' in forTests && 'jobs' in forTests, 'VS Code\'s test runner gets what the extension-host tests use');
    assert.deepEqual(captionerLoaded(), [], 'activating loaded the captioner');
  } finally {
    await fs.rm(path.dirname(file), { recursive: true, force: true });
  }
});

// Install GPU Support inside a real VS Code, against a local NuGet feed with a package of the real layout:
// the command's progress, download, check and extraction, into a folder standing in for onnxruntime-node's.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNugetServer } from '../../support/nuget-test-server.js';

describe('Install GPU Support', () => {
  it('downloads, checks and puts the CUDA provider libraries in place', async function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    const native = 'runtimes/linux-x64/native';
    const libs = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'];
    const files = Object.fromEntries(libs.map((l) => [`${native}/${l}`, randomBytes(200_000)]));
    const server = await startNugetServer({ id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version: '1.30.0', files });
    const target = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-gpu-target-'));
    try {
      await vscode.commands.executeCommand('recaption.installGpuSupport', { feedIndex: server.index, target });
      assert.deepEqual((await fs.readdir(target)).sort(), libs);
      for (const lib of libs) assert.deepEqual(await fs.readFile(path.join(target, lib)), files[`${native}/${lib}`]);
      assert.ok(server.requests.some((r) => r.url.endsWith('.nupkg')));
    } finally {
      await server.close();
      await fs.rm(target, { recursive: true, force: true });
    }
  });
});

// Install GPU Support against a local NuGet feed that speaks the real endpoints and serves a package in
// the real layout: the whole install, an interrupted download resumed (and one whose server ignores
// Range), a wrong checksum refused and removed, no network, a package without a library. The target is a
// temporary folder standing in for onnxruntime-node's binary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cudaInstallPlan, installCudaSupport, type CudaInstallPlan } from '../../src/core/gpu/cuda-install.js';
import { missingCudaLibraries } from '../../src/core/captioner/local/device.js';
import { startNugetServer } from '../support/nuget-test-server.js';
import { spawn } from 'node:child_process';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const NATIVE = 'runtimes/linux-x64/native';
const LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'];

async function setup(files: Record<string, Buffer> = Object.fromEntries(LIBS.map((l) => [`${NATIVE}/${l}`, randomBytes(400_000)]))) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-gpu-'));
  const target = path.join(root, 'bin');
  const cache = path.join(root, 'cache');
  await fs.mkdir(target);
  const server = await startNugetServer({ id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version: '1.30.0', files });
  const plan = cudaInstallPlan({ platform: 'linux/x64', feedIndex: server.index, target }) as CudaInstallPlan;
  const done = async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  };
  return { root, target, cache, server, plan, files, done };
}

const listing = async (dir: string) => (await fs.readdir(dir).catch(() => [])).sort();

test("the plan comes from onnxruntime-node's own metadata; other platforms are told to use WebGPU", () => {
  const plan = cudaInstallPlan({ platform: 'linux/x64' });
  assert.ok(!('unsupported' in plan));
  assert.equal(plan.packageId, 'Microsoft.ML.OnnxRuntime.Gpu.Linux');
  assert.equal(plan.version, '1.30.0');
  assert.equal(plan.feedIndex, 'https://api.nuget.org/v3/index.json');
  assert.deepEqual(plan.files.map((f) => f.name).sort(), LIBS);
  assert.match((cudaInstallPlan({ platform: 'win32/x64' }) as { unsupported: string }).unsupported, /WebGPU \(Direct3D 12\), which needs no install/);
  assert.match((cudaInstallPlan({ platform: 'darwin/arm64' }) as { unsupported: string }).unsupported, /WebGPU \(Metal\)/);
  assert.match((cudaInstallPlan({ platform: 'linux/arm64' }) as { unsupported: string }).unsupported, /no CUDA build for linux\/arm64/);
});

test('a whole install puts the three libraries in place, checked, and leaves no download behind', async () => {
  const s = await setup();
  try {
    assert.match(missingCudaLibraries(s.target)!, /not installed/);
    const phases: string[] = [];
    const result = await installCudaSupport({ plan: s.plan, cacheFolder: s.cache, onProgress: (p) => phases.push(p.phase) });
    assert.deepEqual(await listing(s.target), LIBS);
    for (const lib of LIBS) assert.deepEqual(await fs.readFile(path.join(s.target, lib)), s.files[`${NATIVE}/${lib}`]);
    assert.equal(missingCudaLibraries(s.target), null);
    assert.equal(result.resumedFrom, 0);
    assert.equal(path.basename(result.installed.at(-1)!), 'libonnxruntime_providers_cuda.so', 'the CUDA provider goes in last');
    assert.deepEqual(await listing(s.cache), []);
    assert.ok(phases.includes('downloading') && phases.at(-1) === 'done');
    assert.ok(s.server.requests.some((r) => r.url.includes('/v3/catalog0/')), 'the checksum came from the catalog');
  } finally {
    await s.done();
  }
});

test('an interrupted download leaves the runtime as it was, and the next run resumes it with a Range request', async () => {
  const s = await setup();
  try {
    const half = Math.floor(s.server.nupkg.length / 2);
    s.server.breakAfter = half;
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }), /broke off|ended at/);
    assert.deepEqual(await listing(s.target), [], 'no library, not even a partial one, in the binary folder');
    assert.match(missingCudaLibraries(s.target)!, /not installed/);
    const partial = (await listing(s.cache)).find((f) => f.endsWith('.partial'))!;
    assert.ok(partial);
    const kept = (await fs.stat(path.join(s.cache, partial))).size;
    assert.ok(kept > 0 && kept <= half);
    const result = await installCudaSupport({ plan: s.plan, cacheFolder: s.cache });
    assert.equal(result.resumedFrom, kept);
    assert.equal(s.server.requests.filter((r) => r.url.endsWith('.nupkg')).at(-1)!.range, `bytes=${kept}-`);
    assert.deepEqual(await listing(s.target), LIBS);
  } finally {
    await s.done();
  }
});

test('a server that ignores Range sends the whole file again, and the install still completes', async () => {
  const s = await setup();
  try {
    s.server.breakAfter = 100_000;
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }));
    s.server.ignoreRange = true;
    await installCudaSupport({ plan: s.plan, cacheFolder: s.cache });
    for (const lib of LIBS) assert.deepEqual(await fs.readFile(path.join(s.target, lib)), s.files[`${NATIVE}/${lib}`]);
  } finally {
    await s.done();
  }
});

test('a download that does not match the listed SHA-512 is refused and removed', async () => {
  const s = await setup();
  try {
    s.server.listedSha512 = Buffer.alloc(64, 7).toString('base64');
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }), /does not match the SHA-512 the feed lists; it was removed/);
    assert.deepEqual(await listing(s.cache), []);
    assert.deepEqual(await listing(s.target), []);
  } finally {
    await s.done();
  }
});

// Issue 24 item 13: a refused download is never what the next try starts from.
test('a refused download is not kept: the next try downloads the package again and installs it', async () => {
  const s = await setup();
  const downloads = () => s.server.requests.filter((r) => r.url.endsWith('.nupkg')).length;
  try {
    s.server.listedSha512 = Buffer.alloc(64, 7).toString('base64');
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }), /does not match the SHA-512/);
    assert.equal(downloads(), 1);
    s.server.listedSha512 = null;
    await installCudaSupport({ plan: s.plan, cacheFolder: s.cache });
    assert.equal(downloads(), 2, 'downloaded again, whole');
    assert.deepEqual(await listing(s.target), [...LIBS].sort());
    // A cached package that no longer matches its checksum (changed on disk) is removed and fetched again.
    const nupkg = path.join(s.cache, 'microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg');
    const served = await fetch(new URL(s.server.requests.find((r) => r.url.endsWith('.nupkg'))!.url, s.server.index)).then(async (r) => (await r.arrayBuffer()).byteLength);
    await fs.writeFile(nupkg, Buffer.alloc(served, 1));
    await installCudaSupport({ plan: s.plan, cacheFolder: s.cache });
    assert.equal(downloads(), 4, 'the tampered copy of the same size was not trusted (one fetch above was the test\'s own)');
  } finally {
    await s.done();
  }
});

test('a package refused at extraction is removed, so the next try downloads it again instead of refusing the cached one', async () => {
  const s = await setup({ [`${NATIVE}/${LIBS[0]}`]: randomBytes(1000), [`${NATIVE}/${LIBS[1]}`]: randomBytes(1000) });
  const downloads = () => s.server.requests.filter((r) => r.url.endsWith('.nupkg')).length;
  try {
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }), /the package has no .*tensorrt\.so; the download was removed, so the next try downloads it again/);
    assert.deepEqual(await listing(s.cache), []);
    await assert.rejects(installCudaSupport({ plan: s.plan, cacheFolder: s.cache }), /the package has no/);
    assert.equal(downloads(), 2);
    assert.deepEqual(await listing(s.target), []);
  } finally {
    await s.done();
  }
});

test('no network, and a package without one of the libraries, are clear errors that install nothing', async () => {
  const s = await setup({ [`${NATIVE}/${LIBS[0]}`]: randomBytes(1000), [`${NATIVE}/${LIBS[1]}`]: randomBytes(1000) });
  try {
    const closed = `http://127.0.0.1:${s.server.index.split(':')[2]!.split('/')[0]}`;
    await s.server.close();
    await assert.rejects(installCudaSupport({ plan: { ...s.plan, feedIndex: `${closed}/v3/index.json` }, cacheFolder: s.cache }), /cannot reach http:\/\/127\.0\.0\.1:\d+ \(/);
  } finally {
    await fs.rm(s.root, { recursive: true, force: true });
  }
  const t = await setup({ [`${NATIVE}/${LIBS[0]}`]: randomBytes(1000), [`${NATIVE}/${LIBS[1]}`]: randomBytes(1000) });
  try {
    await assert.rejects(installCudaSupport({ plan: t.plan, cacheFolder: t.cache }), /the package has no runtimes\/linux-x64\/native\/libonnxruntime_providers_tensorrt\.so/);
    assert.deepEqual(await listing(t.target), []);
  } finally {
    await t.done();
  }
});

test('recaption gpu install and gpu status', { skip: process.platform !== 'linux' && 'the CUDA download is for Linux' }, async () => {
  const s = await setup();
  try {
    const installed = await cli(['gpu', 'install', '--feed', s.server.index, '--cache', s.cache, '--target', s.target]);
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /^installed libonnxruntime_providers_shared\.so, libonnxruntime_providers_tensorrt\.so, libonnxruntime_providers_cuda\.so into /);
    assert.match(installed.stderr, /looking up Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 1\.30\.0 on http:\/\/127\.0\.0\.1:\d+\ndownloading/);
    assert.deepEqual(await listing(s.target), LIBS);
    const status = await cli(['gpu', 'status']);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /^cpu: works$/m);
    assert.match(status.stdout, /^cuda: (works|not available: .+)$/m);
    const bad = await cli(['gpu', 'upgrade']);
    assert.equal(bad.code, 2);
  } finally {
    await s.done();
  }
});

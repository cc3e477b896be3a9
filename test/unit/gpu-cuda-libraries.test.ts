// The CUDA library check against fake library folders: which libraries the installed onnxruntime-node's
// CUDA provider needs (its metadata, or an installed provider's DT_NEEDED), where each is found (pip
// wheels, a CUDA toolkit, the loader cache, LD_LIBRARY_PATH), the library path the engine process is
// started with, and what `gpu status` says. Nothing is loaded: the "libraries" are empty files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cudaEngineEnv, cudaFixCommand, cudaLibraryEnv, cudaLibraryReport, describeMissingCuda, findCudaLibraries, missingCudaSystemLibraries, type CudaSearch, type FoundCudaLibrary } from '../../src/core/gpu/cuda-libraries.js';
import { cudaLibrariesFor, installedCudaRequirements, type CudaRequirements } from '../../src/core/gpu/cuda-requirements.js';
import { describeCudaLibraries } from '../../src/core/gpu/cuda-status.js';
import { readElfDependencies } from '../../src/core/gpu/elf-dependencies.js';
import { engineEnvironment, engineEnvironmentOffThread } from '../../src/core/engine/engine-environment.js';

const CUDA12_LINUX = ['libcudart.so.12', 'libcublasLt.so.12', 'libcublas.so.12', 'libcufft.so.11', 'libcurand.so.10', 'libnvrtc.so.12', 'libcudnn.so.9', 'libnvJitLink.so.12'];
const WHEEL_FOLDERS: Record<string, string> = {
  'libcudart.so.12': 'cuda_runtime',
  'libcublasLt.so.12': 'cublas',
  'libcublas.so.12': 'cublas',
  'libcufft.so.11': 'cufft',
  'libcurand.so.10': 'curand',
  'libnvrtc.so.12': 'cuda_nvrtc',
  'libcudnn.so.9': 'cudnn',
  'libnvJitLink.so.12': 'nvjitlink',
};

const linux12: CudaRequirements = { platform: 'linux', line: 12, cudnnMajor: 9, libraries: cudaLibrariesFor('linux', 12), source: 'test' };

async function withRoot(run: (root: string) => Promise<void>): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-cuda-'));
  try {
    await run(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function touch(...parts: string[]): Promise<string> {
  const file = path.join(...parts);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, '');
  return file;
}

/** A search that sees only `root`: no real home, cache, toolkit or Python of this machine. */
function fakeMachine(root: string, extra: CudaSearch = {}): CudaSearch {
  return { platform: 'linux', env: {}, home: path.join(root, 'home'), cwd: path.join(root, 'work'), systemRoot: root, cacheFile: null, ortFolders: [path.join(root, 'ort')], ...extra };
}

/** glibc's ld.so.cache keeps each library's name and full path as strings; enough of that layout to be read. */
async function writeLoaderCache(file: string, paths: string[]): Promise<void> {
  const strings = paths.flatMap((p) => [path.basename(p), p]).join('\0');
  await fs.writeFile(file, Buffer.from(`glibc-ld.so.cache1.1\0\0\0\0${strings}\0`, 'latin1'));
}

/** A minimal 64-bit little-endian ELF shared library: a PT_LOAD, a PT_DYNAMIC, DT_NEEDED and RUNPATH. */
function fakeElf(needed: string[], runpath = '$ORIGIN'): Buffer {
  const names = [...needed, runpath];
  const strtab = Buffer.from(`\0${names.join('\0')}\0`);
  const offsets = names.map((_, i) => 1 + names.slice(0, i).reduce((n, s) => n + Buffer.byteLength(s) + 1, 0));
  const dynamicEntries = [...needed.map((_, i) => [1n, BigInt(offsets[i]!)]), [29n, BigInt(offsets.at(-1)!)], [5n, 0n], [0n, 0n]];
  const dynOffset = 64 + 2 * 56;
  const strOffset = dynOffset + dynamicEntries.length * 16;
  const base = 0x10000n; // the segment's address differs from its file offset, as in real libraries
  const file = Buffer.alloc(strOffset + strtab.length);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(file);
  file.writeUInt16LE(3, 16);
  file.writeUInt16LE(62, 18);
  file.writeBigUInt64LE(64n, 0x20);
  file.writeUInt16LE(56, 0x36);
  file.writeUInt16LE(2, 0x38);
  const programHeader = (at: number, type: number, offset: number, vaddr: bigint, size: number) => {
    file.writeUInt32LE(type, at);
    file.writeBigUInt64LE(BigInt(offset), at + 8);
    file.writeBigUInt64LE(vaddr, at + 16);
    file.writeBigUInt64LE(BigInt(size), at + 32);
  };
  programHeader(64, 1, 0, base, file.length);
  programHeader(64 + 56, 2, dynOffset, base + BigInt(dynOffset), dynamicEntries.length * 16);
  dynamicEntries.forEach(([tag, value], i) => {
    file.writeBigInt64LE(tag!, dynOffset + i * 16);
    file.writeBigUInt64LE(tag === 5n ? base + BigInt(strOffset) : value!, dynOffset + i * 16 + 8);
  });
  strtab.copy(file, strOffset);
  return file;
}

const byFile = (found: readonly FoundCudaLibrary[]) => new Map(found.map((l) => [l.file, l]));

test("the required set comes from onnxruntime-node's metadata: the CUDA 12 line, with cuDNN 9 and ONNX Runtime's list", () => {
  const linux = installedCudaRequirements({ platform: 'linux/x64' });
  assert.ok(!('unsupported' in linux));
  assert.equal(linux.line, 12);
  assert.equal(linux.cudnnMajor, 9);
  assert.deepEqual(linux.libraries.map((l) => l.file), CUDA12_LINUX);
  assert.deepEqual([...new Set(linux.libraries.map((l) => l.group))], ['cudart', 'cuBLAS', 'cuFFT', 'cuRAND', 'NVRTC', 'cuDNN', 'nvJitLink']);
  assert.match(linux.source, /install metadata \(cuda12\)/);
  assert.match((installedCudaRequirements({ platform: 'win32/x64' }) as { unsupported: string }).unsupported, /WebGPU/);
  assert.match((installedCudaRequirements({ platform: 'darwin/arm64' }) as { unsupported: string }).unsupported, /no CUDA/);
  // The other line and platform, for a later onnxruntime-node: cuFFT 12 on CUDA 13; DLL names on Windows.
  assert.deepEqual(cudaLibrariesFor('linux', 13).map((l) => l.file), ['libcudart.so.13', 'libcublasLt.so.13', 'libcublas.so.13', 'libcufft.so.12', 'libcurand.so.10', 'libnvrtc.so.13', 'libcudnn.so.9', 'libnvJitLink.so.13']);
  assert.deepEqual(cudaLibrariesFor('win32', 12).map((l) => l.file), ['cudart64_12.dll', 'cublasLt64_12.dll', 'cublas64_12.dll', 'cufft64_11.dll', 'curand64_10.dll', 'nvrtc64_120_0.dll', 'cudnn64_9.dll', 'nvJitLink_120_0.dll']);
});

test("an installed provider's DT_NEEDED entries are the list; one that is not an ELF file leaves the metadata's", async () => {
  await withRoot(async (root) => {
    const needed = ['libcublasLt.so.12', 'libcublas.so.12', 'libcurand.so.10', 'libcufft.so.11', 'libcudart.so.12', 'libcudnn.so.9', 'libnvrtc.so.12', 'libz.so.1', 'libc.so.6'];
    const provider = path.join(root, 'libonnxruntime_providers_cuda.so');
    await fs.writeFile(provider, fakeElf(needed));
    assert.deepEqual(readElfDependencies(provider), { needed, runpath: ['$ORIGIN'] });
    const fromProvider = installedCudaRequirements({ platform: 'linux/x64', providerFolder: root });
    assert.ok(!('unsupported' in fromProvider));
    assert.match(fromProvider.source, /DT_NEEDED/);
    assert.deepEqual(
      fromProvider.libraries.map((l) => [l.group, l.file, l.required]),
      [['cuBLAS', 'libcublasLt.so.12', true], ['cuBLAS', 'libcublas.so.12', true], ['cuRAND', 'libcurand.so.10', true], ['cuFFT', 'libcufft.so.11', true], ['cudart', 'libcudart.so.12', true], ['cuDNN', 'libcudnn.so.9', true], ['NVRTC', 'libnvrtc.so.12', true], ['nvJitLink', 'libnvJitLink.so.12', false]],
    );
    await fs.writeFile(provider, Buffer.alloc(4096, 7)); // what the install test's fake package holds
    assert.equal(readElfDependencies(provider), null);
    assert.match((installedCudaRequirements({ platform: 'linux/x64', providerFolder: root }) as CudaRequirements).source, /install metadata/);
  });
});

test('the ELF reader agrees with the real onnxruntime-node binary', { skip: (process.platform !== 'linux' || process.arch !== 'x64') && 'a linux/x64 binary' }, () => {
  const binary = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin/napi-v6/linux/x64/libonnxruntime.so.1');
  const deps = readElfDependencies(binary);
  assert.ok(deps?.needed.includes('libc.so.6'), JSON.stringify(deps));
  assert.deepEqual(deps!.runpath, ['$ORIGIN']);
});

test('pip wheels in a virtualenv and the user site: every library found, each folder put on LD_LIBRARY_PATH once', async () => {
  await withRoot(async (root) => {
    const venvSite = path.join(root, 'venv/lib/python3.11/site-packages');
    const userSite = path.join(root, 'home/.local/lib/python3.12/site-packages');
    for (const file of CUDA12_LINUX) await touch(file === 'libcudnn.so.9' ? userSite : venvSite, 'nvidia', WHEEL_FOLDERS[file]!, 'lib', file);
    const found = findCudaLibraries(linux12, fakeMachine(root, { env: { VIRTUAL_ENV: path.join(root, 'venv') } }));
    for (const lib of found) {
      assert.equal(lib.source, 'pip wheel', lib.file);
      assert.equal(lib.visible, false);
    }
    assert.equal(byFile(found).get('libcudnn.so.9')!.folder, path.join(userSite, 'nvidia/cudnn/lib'));
    assert.equal(describeMissingCuda(found, linux12), null);
    const env = cudaLibraryEnv(found, { LD_LIBRARY_PATH: '/opt/other' }, 'linux');
    const dirs = env.LD_LIBRARY_PATH!.split(':');
    assert.equal(dirs.length, 8, 'seven wheel folders (cuBLAS has two libraries in one), then the existing value');
    assert.equal(new Set(dirs).size, dirs.length);
    assert.equal(dirs.at(-1), '/opt/other');
    assert.equal(dirs[0], path.join(venvSite, 'nvidia/cuda_runtime/lib'));
  });
});

test('a CUDA toolkit: the newest install of the right line, CUDA_HOME, and cuDNN from CUDNN_PATH', async () => {
  await withRoot(async (root) => {
    const toolkitLibs = CUDA12_LINUX.filter((f) => f !== 'libcudnn.so.9');
    for (const version of ['cuda-11.8', 'cuda-12.2', 'cuda-12.4', 'cuda-13.0']) for (const file of toolkitLibs) await touch(root, 'usr/local', version, 'lib64', file);
    await touch(root, 'cudnn/lib', 'libcudnn.so.9');
    const found = byFile(findCudaLibraries(linux12, fakeMachine(root, { env: { CUDNN_PATH: path.join(root, 'cudnn') } })));
    assert.equal(found.get('libcudart.so.12')!.folder, path.join(root, 'usr/local/cuda-12.4/lib64'));
    assert.equal(found.get('libcudart.so.12')!.source, 'CUDA toolkit');
    assert.equal(found.get('libcudnn.so.9')!.folder, path.join(root, 'cudnn/lib'));
    // CUDA_HOME comes before the usual places.
    await touch(root, 'mycuda/targets/x86_64-linux/lib', 'libcublas.so.12');
    const withHome = byFile(findCudaLibraries(linux12, fakeMachine(root, { env: { CUDA_HOME: path.join(root, 'mycuda') } })));
    assert.equal(withHome.get('libcublas.so.12')!.folder, path.join(root, 'mycuda/targets/x86_64-linux/lib'));
    assert.equal(withHome.get('libcudnn.so.9')!.folder, null);
  });
});

test("the loader's cache and LD_LIBRARY_PATH: found, and nothing added for them", async () => {
  await withRoot(async (root) => {
    const cache = path.join(root, 'ld.so.cache');
    await writeLoaderCache(cache, ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libcudart.so.12', '/usr/lib/x86_64-linux-gnu/libcublas.so.12']);
    const onPath = path.join(root, 'on-path');
    await touch(onPath, 'libcudnn.so.9');
    await touch(root, 'venv/lib/python3.10/site-packages/nvidia/cudnn/lib/libcudnn.so.9'); // on the path wins over the wheel
    await touch(root, 'venv/lib/python3.10/site-packages/nvidia/cublas/lib/libcublasLt.so.12');
    const env = { LD_LIBRARY_PATH: `/nowhere:${onPath}/`, VIRTUAL_ENV: path.join(root, 'venv') };
    const found = findCudaLibraries(linux12, fakeMachine(root, { env, cacheFile: cache }));
    const f = byFile(found);
    assert.deepEqual([f.get('libcudart.so.12')!.folder, f.get('libcudart.so.12')!.source, f.get('libcudart.so.12')!.visible], ['/usr/lib/x86_64-linux-gnu', 'loader cache', true]);
    assert.deepEqual([f.get('libcudnn.so.9')!.folder, f.get('libcudnn.so.9')!.source, f.get('libcudnn.so.9')!.visible], [`${onPath}/`, 'library path', true]);
    assert.equal(f.get('libcublasLt.so.12')!.source, 'pip wheel');
    assert.deepEqual(cudaLibraryEnv(found, env, 'linux'), { LD_LIBRARY_PATH: `${path.join(root, 'venv/lib/python3.10/site-packages/nvidia/cublas/lib')}:/nowhere:${onPath}/` });
    // The loader's default folders count as visible too.
    await touch(root, 'usr/lib/x86_64-linux-gnu/libcurand.so.10');
    const system = byFile(findCudaLibraries(linux12, fakeMachine(root)));
    assert.deepEqual([system.get('libcurand.so.10')!.source, system.get('libcurand.so.10')!.visible], ['system folder', true]);
  });
});

test('a partial set names each missing library with its version, and one command that installs exactly those', async () => {
  await withRoot(async (root) => {
    const site = path.join(root, 'home/.local/lib/python3.12/site-packages');
    for (const file of ['libcudart.so.12', 'libcublasLt.so.12', 'libcublas.so.12']) await touch(site, 'nvidia', WHEEL_FOLDERS[file]!, 'lib', file);
    const found = findCudaLibraries(linux12, fakeMachine(root));
    const sentence = describeMissingCuda(found, linux12)!;
    assert.equal(
      sentence,
      `onnxruntime-node's CUDA provider is built for CUDA 12 with cuDNN 9, and this machine lacks cuFFT 11 (libcufft.so.11), cuRAND 10 (libcurand.so.10), NVRTC 12 (libnvrtc.so.12), cuDNN 9 (libcudnn.so.9); install them with: pip install nvidia-cufft-cu12 nvidia-curand-cu12 nvidia-cuda-nvrtc-cu12 "nvidia-cudnn-cu12~=9.0"`,
    );
    assert.doesNotMatch(sentence, /cudart|cuBLAS|nvJitLink/, 'found and optional libraries are not named');
    assert.equal(cudaFixCommand(found, linux12, true), 'recaption gpu install && pip install nvidia-cufft-cu12 nvidia-curand-cu12 nvidia-cuda-nvrtc-cu12 "nvidia-cudnn-cu12~=9.0"');
    // Only the provider libraries missing: the command is gpu install alone.
    const all = CUDA12_LINUX.map((file) => ({ ...linux12.libraries.find((l) => l.file === file)!, folder: '/x', source: 'pip wheel' as const, visible: false }));
    assert.equal(cudaFixCommand(all, linux12, true), 'recaption gpu install');
    assert.equal(cudaFixCommand(all, linux12, false), null);
    // The CUDA 13 line: the wheels without the suffix, pinned to the major.
    const linux13 = { platform: 'linux' as const, line: 13, cudnnMajor: 9 };
    const none13 = cudaLibrariesFor('linux', 13).map((l) => ({ ...l, folder: null, source: null, visible: false }));
    assert.equal(cudaFixCommand(none13, linux13), 'pip install "nvidia-cuda-runtime~=13.0" "nvidia-cublas~=13.0" "nvidia-cufft~=12.0" "nvidia-curand~=10.0" "nvidia-cuda-nvrtc~=13.0" "nvidia-cudnn-cu13~=9.0"');
  });
});

test('the library path for the engine: prepended once, the existing value kept, PATH with ";" on Windows', () => {
  const lib = (folder: string | null, visible = false): FoundCudaLibrary => ({ group: 'cuDNN', file: 'x', major: 9, required: true, folder, source: folder ? 'pip wheel' : null, visible });
  assert.deepEqual(cudaLibraryEnv([lib('/a'), lib('/b'), lib('/a'), lib(null), lib('/usr/lib', true)], {}, 'linux'), { LD_LIBRARY_PATH: '/a:/b' });
  assert.deepEqual(cudaLibraryEnv([lib('/a'), lib('/b')], { LD_LIBRARY_PATH: '/b/:/c' }, 'linux'), { LD_LIBRARY_PATH: '/a:/b/:/c' });
  assert.deepEqual(cudaLibraryEnv([lib('/b')], { LD_LIBRARY_PATH: '/b' }, 'linux'), {}, 'nothing to add: nothing set');
  assert.deepEqual(cudaLibraryEnv([lib('C:\\venv\\Lib\\site-packages\\nvidia\\cudnn\\bin'), lib('C:\\CUDA\\bin')], { Path: 'C:\\Windows;c:\\cuda\\BIN\\' }, 'win32'), {
    Path: 'C:\\venv\\Lib\\site-packages\\nvidia\\cudnn\\bin;C:\\Windows;c:\\cuda\\BIN\\',
  });
  assert.deepEqual(cudaLibraryEnv([lib('C:\\x')], {}, 'win32'), { PATH: 'C:\\x' });
});

test('Windows: the wheels\' bin folders and a CUDA toolkit from CUDA_PATH', async () => {
  await withRoot(async (root) => {
    const win12 = { line: 12, cudnnMajor: 9, libraries: cudaLibrariesFor('win32', 12) };
    await touch(root, 'venv/Lib/site-packages/nvidia/cudnn/bin/cudnn64_9.dll');
    await touch(root, 'toolkit/bin/cudart64_12.dll');
    const found = byFile(findCudaLibraries(win12, fakeMachine(root, { platform: 'win32', env: { VIRTUAL_ENV: path.join(root, 'venv'), CUDA_PATH: path.join(root, 'toolkit'), SystemRoot: path.join(root, 'Windows') } })));
    assert.equal(found.get('cudnn64_9.dll')!.folder, path.join(root, 'venv/Lib/site-packages/nvidia/cudnn/bin'));
    assert.equal(found.get('cudart64_12.dll')!.folder, path.join(root, 'toolkit/bin'));
    assert.equal(found.get('cublas64_12.dll')!.folder, null);
  });
});

test('gpu status text: the CUDA line, each library and where, the fix; and this process told what it lacks', { skip: process.arch !== 'x64' && 'the metadata has CUDA for linux/x64 only' }, async () => {
  await withRoot(async (root) => {
    const site = path.join(root, 'venv/lib/python3.11/site-packages');
    await touch(site, 'nvidia/cudnn/lib/libcudnn.so.9');
    const where = { ...fakeMachine(root, { env: { VIRTUAL_ENV: path.join(root, 'venv') } }), providerFolder: path.join(root, 'ort') };
    const report = cudaLibraryReport(where);
    assert.ok(!('unsupported' in report));
    const lines = describeCudaLibraries(report);
    assert.equal(lines[0], "cuda libraries: onnxruntime-node's CUDA provider is built for CUDA 12 with cuDNN 9 (list from onnxruntime-node's install metadata (cuda12) and ONNX Runtime's list for the CUDA 12 line)");
    assert.equal(lines[1], `  provider   libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so: missing in ${path.join(root, 'ort')}`);
    assert.ok(lines.includes(`  cuDNN      libcudnn.so.9       ${path.join(site, 'nvidia/cudnn/lib')} (pip wheel; the engine gets it on LD_LIBRARY_PATH)`), lines.join('\n'));
    assert.ok(lines.includes('  cudart     libcudart.so.12     missing'), lines.join('\n'));
    assert.ok(lines.includes('  nvJitLink  libnvJitLink.so.12  not found (optional)'), lines.join('\n'));
    assert.equal(lines.at(-1), '  fix: recaption gpu install && pip install nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cufft-cu12 nvidia-curand-cu12 nvidia-cuda-nvrtc-cu12');
    assert.deepEqual(describeCudaLibraries({ unsupported: 'no CUDA here' }), ['cuda libraries: none to look for: no CUDA here']);
    assert.match(missingCudaSystemLibraries(where)!, /lacks cudart 12 \(libcudart\.so\.12\), .*; install them with: pip install nvidia-cuda-runtime-cu12/);

    // Everything in wheels: this process (not started with them) is told so; the engine's environment has them.
    for (const file of CUDA12_LINUX) await touch(site, 'nvidia', WHEEL_FOLDERS[file]!, 'lib', file);
    const message = missingCudaSystemLibraries(where)!;
    assert.match(message, /^libcudart\.so\.12, .* are not on this process's library path \(Recaption's engine process is started with it\); start with LD_LIBRARY_PATH=/);
    const engineEnv = cudaEngineEnv(where.env, where);
    assert.ok(engineEnv.LD_LIBRARY_PATH?.includes(path.join(site, 'nvidia/cudnn/lib')));
    // An engine for a GPU is started with them; one asked for the CPU needs none, and none is looked for.
    assert.deepEqual(engineEnvironment({ ...where, device: 'auto' }), engineEnv);
    assert.deepEqual(engineEnvironment({ ...where, device: 'cpu' }), {});
    // The extension host's way: the same search on a worker thread.
    assert.deepEqual(await engineEnvironmentOffThread({ ...where, device: 'auto' }), engineEnv);
    assert.deepEqual(await engineEnvironmentOffThread({ ...where, device: 'cpu' }), {});
    // Started with that environment, nothing is missing.
    assert.equal(missingCudaSystemLibraries({ ...where, env: { ...where.env, ...engineEnv } }), null);
    const all = describeCudaLibraries(cudaLibraryReport({ ...where, env: { ...where.env, ...engineEnv } }));
    assert.equal(all.at(-1), '  fix: recaption gpu install');
  });
});

test('recaption gpu status --json carries the devices and the CUDA libraries', { skip: process.arch !== 'x64' && 'the metadata has CUDA for linux/x64 only' }, async () => {
  const entry = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'gpu', 'status', '--json']);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  assert.equal(code, 0, stderr);
  const status = JSON.parse(stdout) as { devices: { device: string; ok: boolean }[]; cuda: { requirements?: { line: number }; libraries?: { file: string }[]; unsupported?: string } };
  assert.deepEqual(status.devices.map((d) => d.device).sort(), ['cpu', 'cuda', 'webgpu']);
  if (process.platform === 'linux') {
    assert.equal(status.cuda.requirements?.line, 12);
    assert.ok(status.cuda.libraries?.some((l) => l.file === 'libcudnn.so.9'));
  } else assert.ok(status.cuda.unsupported);
});

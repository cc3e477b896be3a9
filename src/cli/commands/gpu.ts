// recaption gpu install | status: the CUDA provider libraries onnxruntime-node's installer would fetch (for
// users who have the CLI without having run that installer), and which devices work here.
import * as os from 'node:os';
import * as path from 'node:path';
import { cudaSystemRequirements, cudaInstallPlan, installCudaSupport } from '../../core/gpu/cuda-install.js';
import { describeCudaLibraries } from '../../core/gpu/cuda-status.js';
import { CliError } from '../cli-error.js';
import { abortOnSigint, choiceOption, parseCommandArgs, type CliCommand } from '../command.js';
import { DTYPE_REQUESTS } from '../../core/captioner/local/dtype.js';
import { writeErr, writeOut } from '../terminal-text.js';

const help = `usage: recaption gpu install [--feed URL] [--cache DIR] [--target DIR]
       recaption gpu status [--model <folder|hub id>] [--dtype T] [--json]

install  downloads the CUDA provider libraries (libonnxruntime_providers_cuda.so and the two beside it)
         from the NuGet package onnxruntime-node's own installer uses, for the installed
         onnxruntime-node, checks the package's SHA-512 and puts them beside onnxruntime-node's
         runtime, so that --device auto finds CUDA. Interrupted, it resumes where it stopped.
         It cannot install ${cudaSystemRequirements()}: \`gpu status\` names
         any that are missing, and the one command that installs them.
         On Windows and macOS there is nothing to install: the GPU is used through WebGPU.
status   says which devices work here, and why the others do not, from the engine process a run
         would use (with its CUDA library path). A GPU counts as working when a session starts on it
         and, with --model, when the model's canary (one real batch on the GPU and on the CPU, the
         same weights) writes the CPU's captions there: what --device auto checks before it commits a
         run to a GPU. For CUDA, the CUDA line the
         installed onnxruntime-node needs, each library it needs and where it was found (the library
         path, the loader cache, a CUDA toolkit, a pip wheel such as PyTorch's) or that it is missing,
         and the one command that installs what is missing.

  --feed URL    a NuGet v3 service index to download from instead (a mirror); also RECAPTION_NUGET_INDEX
  --cache DIR   where the package is downloaded (default ~/.cache/recaption/gpu)
  --target DIR  where the libraries go (default: onnxruntime-node's binary folder)
  --json        status as JSON: {devices, cuda}
  --model M     status: the model whose canary runs on each GPU (a folder, or a hub id already
                downloaded; nothing is downloaded); --dtype its weights (default auto), --cache-dir
                where hub models are kept`;

function cacheFolder(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'recaption', 'gpu');
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

export const gpuCommand: CliCommand = {
  name: 'gpu',
  summary: 'install the CUDA provider libraries; say which devices work here',
  help,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { feed: { type: 'string' }, cache: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean' }, model: { type: 'string' }, dtype: { type: 'string' }, 'cache-dir': { type: 'string' } }, help);
    const [action, ...extra] = positionals;
    if (extra.length || (action !== 'install' && action !== 'status')) throw new CliError(`expected "install" or "status"\n${help}`, 2);
    // The devices are probed in the engine process (ONNX Runtime loads there, with a run's library path).
    const { cudaReadiness, describeReadiness } = await import('../../core/captioner/local/device-readiness.js');
    const { reportDevices } = await import('../../core/engine/engine-device-report.js');
    if (action === 'status') {
      const devices = await reportDevices({ model: values.model, dtype: choiceOption(values.dtype, 'dtype', DTYPE_REQUESTS) ?? 'auto', cacheDir: values['cache-dir'] });
      const cuda = cudaReadiness();
      writeOut((values.json ? JSON.stringify({ devices, cuda }, null, 2) : [...describeReadiness(devices), ...describeCudaLibraries(cuda)].join('\n')) + '\n');
      return 0;
    }
    const plan = cudaInstallPlan({ feedIndex: values.feed ?? process.env.RECAPTION_NUGET_INDEX, target: values.target && path.resolve(values.target) });
    if ('unsupported' in plan) {
      writeOut(`nothing to install: ${plan.unsupported}\n`);
      return 0;
    }
    const sigint = abortOnSigint();
    let lastReport = 0;
    try {
      const result = await installCudaSupport({
        plan,
        cacheFolder: values.cache ? path.resolve(values.cache) : cacheFolder(),
        signal: sigint.signal,
        onProgress: (p) => {
          if (p.phase === 'resolving') writeErr(`looking up ${plan.packageId} ${plan.version} on ${new URL(plan.feedIndex).origin}\n`);
          if (p.phase === 'extracting') writeErr(`extracting ${p.file}\n`);
          if (p.phase !== 'downloading' || (performance.now() - lastReport < 2000 && p.received < p.total)) return;
          lastReport = performance.now();
          writeErr(`downloading ${mib(p.received)} of ${mib(p.total)}${p.resumedFrom ? ` (resumed at ${mib(p.resumedFrom)})` : ''}\n`);
        },
      });
      writeOut(`installed ${result.installed.map((f) => path.basename(f)).join(', ')} into ${plan.target}\n`);
      if (values.target) return 0; // not onnxruntime-node's own folder: there is nothing for its runtime to find
      const cuda = (await reportDevices()).find((r) => r.device === 'cuda')!;
      writeOut(cuda.ok ? 'cuda: works; --device auto now uses it\n' : `cuda: not available yet: ${cuda.reason}\n${describeCudaLibraries(cudaReadiness()).join('\n')}\n`);
      return 0;
    } catch (err) {
      if (sigint.signal.aborted) throw new CliError('interrupted; run it again to resume the download (nothing was installed)');
      throw err;
    } finally {
      sigint.dispose();
    }
  },
};

// Recaption: Install GPU Support. A VSIX user never runs onnxruntime-node's npm installer, which is what
// fetches the CUDA provider libraries: this does its job (src/core/gpu), with a cancellable progress
// notification, then says whether CUDA works and, if not, what the system still lacks.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { cudaSystemRequirements, cudaInstallPlan, installCudaSupport } from '../core/gpu/cuda-install.js';
import { showError, showInfo, showWarning } from './notify.js';

/** Scripted callers (tests) may name a mirror feed and a target folder; nothing else is read. */
function scriptedOptions(value: unknown): { feedIndex?: string; target?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const v = value as Record<string, unknown>;
  const url = typeof v.feedIndex === 'string' && /^https?:\/\//.test(v.feedIndex) ? v.feedIndex : undefined;
  const target = typeof v.target === 'string' && path.isAbsolute(v.target) ? v.target : undefined;
  return { feedIndex: url, target };
}

const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(0);

export async function installGpuSupportCommand(cacheFolder: string, options?: unknown): Promise<void> {
  const given = scriptedOptions(options);
  let plan;
  try {
    plan = cudaInstallPlan({ feedIndex: given.feedIndex ?? process.env.RECAPTION_NUGET_INDEX, target: given.target });
  } catch (err) {
    void showError(`Install GPU Support: ${(err as Error).message}`);
    return;
  }
  if ('unsupported' in plan) {
    void showInfo(`Nothing to install: ${plan.unsupported}.`);
    return;
  }
  const started = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing GPU support (${plan.packageId} ${plan.version})`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      try {
        await installCudaSupport({
          plan,
          cacheFolder,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase === 'resolving') progress.report({ message: 'looking up the package' });
            else if (p.phase === 'extracting') progress.report({ message: `extracting ${p.file}` });
            else if (p.phase === 'downloading') {
              const pct = (100 * p.received) / p.total;
              progress.report({ increment: pct - reported, message: `${mib(p.received)} of ${mib(p.total)} MiB${p.resumedFrom ? ' (resumed)' : ''}` });
              reported = pct;
            }
          },
        });
        return 'installed' as const;
      } catch (err) {
        if (controller.signal.aborted) return 'cancelled' as const;
        void showError(`Install GPU Support failed: ${(err as Error).message}. Nothing was installed; Recaption goes on using the CPU.`);
        return 'failed' as const;
      } finally {
        sub.dispose();
      }
    },
  );
  if (started === 'cancelled') {
    void showInfo('Install GPU Support cancelled; nothing was installed. Run it again to resume the download.');
    return;
  }
  if (started !== 'installed') return;
  if (given.target) {
    void showInfo(`GPU support installed into ${given.target}.`);
    return;
  }
  // Probed in the engine process, with the CUDA library path a run gets: never ONNX Runtime in the host.
  const { reportDevices } = await import('../core/engine/engine-device-report.js');
  const cuda = (await reportDevices({ cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath })).find((r) => r.device === 'cuda')!;
  if (cuda.ok) void showInfo('GPU support installed: CUDA works, and the next Recaption run with device "auto" uses it.');
  else void showWarning(`The CUDA provider libraries are installed, but CUDA does not work yet: ${cuda.reason} It needs ${cudaSystemRequirements()}.`);
}

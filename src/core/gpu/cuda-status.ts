// The CUDA part of `recaption gpu status` as text: the CUDA line the provider is built for, each library
// found (and where) or missing, and the one command that installs what is missing.
import type { CudaLibraryReport } from './cuda-libraries.js';

export function describeCudaLibraries(report: CudaLibraryReport | { unsupported: string }): string[] {
  if ('unsupported' in report) return [`cuda libraries: none to look for: ${report.unsupported}`];
  const { requirements, providerFolder, providersMissing, libraries, env, fix } = report;
  const pathVariable = Object.keys(env)[0] ?? (requirements.platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH');
  const width = Math.max(...libraries.map((l) => l.file.length));
  const lines = [
    `cuda libraries: onnxruntime-node's CUDA provider is built for CUDA ${requirements.line} with cuDNN ${requirements.cudnnMajor} (list from ${requirements.source})`,
    providersMissing.length ? `  provider   ${providersMissing.join(', ')}: missing in ${providerFolder}` : `  provider   installed in ${providerFolder}`,
  ];
  for (const lib of libraries) {
    const where = lib.folder
      ? `${lib.folder} (${lib.source}${lib.visible ? '' : `; the engine gets it on ${pathVariable}`})`
      : lib.required
        ? 'missing'
        : 'not found (optional)';
    lines.push(`  ${lib.group.padEnd(10)} ${lib.file.padEnd(width)}  ${where}`);
  }
  lines.push(fix ? `  fix: ${fix}` : '  all found');
  return lines;
}

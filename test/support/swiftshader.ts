// WebGPU on a machine without a GPU: Debian's chromium package ships SwiftShader, a Vulkan driver that runs
// on the CPU, with its ICD file. Pointing the Vulkan loader at that file (VK_ICD_FILENAMES) gives
// onnxruntime-node's WebGPU provider (Dawn on Vulkan) a real adapter: the real provider, IO binding and
// kernels, slowly. Dawn reads the environment when the first WebGPU session is created, so a test file calls
// useSwiftShader() at its top level, before any session exists in its process.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where chromium packages put SwiftShader's ICD file (Debian: chromium-common; Ubuntu's older chromium-browser). */
const ICD_FILES = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

/** SwiftShader's ICD file, or null where no chromium package ships one. */
export function swiftShaderIcd(candidates: readonly string[] = ICD_FILES): string | null {
  return candidates.find((file) => existsSync(file)) ?? null;
}

export type SwiftShaderSetup = { icd: string; skip?: undefined } | { icd?: undefined; skip: string };

let setup: SwiftShaderSetup | null = null;

/**
 * Makes WebGPU in this process run on SwiftShader (only: any other Vulkan driver is hidden, so results do
 * not depend on the machine's GPU). Returns the reason to skip where SwiftShader is absent; node:test takes
 * it as `{ skip: setup.skip }`. Idempotent.
 */
export function useSwiftShader(): SwiftShaderSetup {
  if (setup) return setup;
  const icd = swiftShaderIcd();
  if (!icd) {
    setup = { skip: `no SwiftShader Vulkan driver (looked for ${ICD_FILES.join(', ')}); install Debian's chromium package to run WebGPU tests on the CPU` };
    return setup;
  }
  process.env.VK_ICD_FILENAMES = icd;
  // Dawn wants a writable runtime folder; test machines and containers often have none.
  if (!process.env.XDG_RUNTIME_DIR || !existsSync(process.env.XDG_RUNTIME_DIR)) {
    const runtimeDir = mkdtempSync(path.join(os.tmpdir(), 'recaption-xdg-'));
    process.env.XDG_RUNTIME_DIR = runtimeDir;
    process.once('exit', () => rmSync(runtimeDir, { recursive: true, force: true }));
  }
  setup = { icd };
  return setup;
}

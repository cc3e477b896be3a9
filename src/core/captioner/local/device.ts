// Device choice for the local captioner. transformers.js's own 'auto'/'gpu' tries CUDA first and throws
// when its provider libraries are absent (it does not fall back), so we choose ourselves: each candidate is
// probed by creating a real ONNX Runtime session on a one-node model, and every refusal is kept as a reason.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { DataType, encodeModel } from '../onnx/onnx-proto.js';

import type { Device, DeviceRequest } from './device-requests.js';
export { DEVICE_REQUESTS, type Device, type DeviceRequest } from './device-requests.js';

export interface DeviceChoice {
  device: Device;
  /** Why each device tried before it (or, for an explicit request, nothing) was not used. */
  rejected: { device: Device; reason: string }[];
}

export class DeviceError extends Error {
  override name = 'DeviceError';
}

export { missingCudaLibraries, onnxRuntimeBinaryFolder } from '../../gpu/ort-files.js';
import { missingCudaLibraries } from '../../gpu/ort-files.js';
import { missingCudaSystemLibraries } from '../../gpu/cuda-libraries.js';
import { ortReason } from '../../util/error-line.js';

function cudaHint(): string {
  return process.platform === 'linux'
    ? 'To use CUDA on Linux: run "Recaption: Install GPU Support" (or `recaption gpu install`), which fetches the CUDA provider libraries; the CUDA 12 runtime and cuDNN 9 must be on the system.'
    : 'Recaption uses the GPU through WebGPU on this system (device auto or webgpu): onnxruntime-node has no CUDA download for it.';
}

/** Where the dynamic loader finds libraries on Linux, beyond its cache. */
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib64', '/lib', '/usr/local/lib'];

/**
 * Null when a Vulkan loader (libvulkan.so.1) is where the dynamic loader looks, else the reason. WebGPU on
 * Linux runs on Vulkan; without the loader, trying it only makes ONNX Runtime print a warning with its
 * build path. Looked up without loading anything: LD_LIBRARY_PATH, the loader's cache, the usual folders.
 */
export function missingVulkanLoader(where: { env?: NodeJS.ProcessEnv; cacheFile?: string; dirs?: readonly string[] } = {}): string | null {
  const { env = process.env, cacheFile = '/etc/ld.so.cache' } = where;
  const name = 'libvulkan.so.1';
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...(where.dirs ?? LIBRARY_DIRS)];
  if (dirs.some((dir) => existsSync(path.join(dir, name)))) return null;
  try {
    if (readFileSync(cacheFile).includes(name)) return null;
  } catch {
    // No cache: the folders above are all there is.
  }
  return `no Vulkan loader (${name}) on this system, and WebGPU on Linux runs on Vulkan`;
}

export function installHint(device: Device): string {
  switch (device) {
    case 'cuda':
      return cudaHint();
    case 'webgpu':
      return "WebGPU needs a GPU with a Vulkan (Linux), D3D12 (Windows) or Metal (macOS) driver; on Linux install the Vulkan loader (libvulkan1) and your GPU vendor's Vulkan driver.";
    case 'cpu':
      return 'The CPU runtime ships with onnxruntime-node; reinstall the package if it cannot load.';
  }
}

let probeModel: Uint8Array | null = null;

/** A one-node model (y = x + 1): enough to make a provider initialise its device. */
function probeBytes(): Uint8Array {
  if (!probeModel) {
    const g = new GraphBuilder('device_probe');
    const x = g.input('x', DataType.FLOAT, [1]);
    g.output(g.op('Add', [x, g.scalar(1)]), 'y', DataType.FLOAT, [1]);
    probeModel = encodeModel(g.build(), 17, 'recaption device probe');
  }
  return probeModel;
}


export type DeviceProbe = (device: Device) => Promise<string | null>;

/** The order `auto` tries the devices in. */
export const AUTO_DEVICES: readonly Device[] = ['cuda', 'webgpu', 'cpu'];

/** Tries a session on `device`; null when it works, else the reason. */
export const probeDevice: DeviceProbe = async (device) => {
  if (device === 'cuda') {
    const missing = missingCudaLibraries() ?? missingCudaSystemLibraries();
    if (missing) return missing;
  }
  if (device === 'webgpu' && process.platform === 'linux') {
    const missing = missingVulkanLoader();
    if (missing) return missing;
  }
  try {
    const session = await ort.InferenceSession.create(probeBytes(), { executionProviders: [device] });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
    await session.release();
    const y = out.y?.data;
    if (!y || Number(y[0]) !== 2) return 'the probe model returned a wrong result';
    return null;
  } catch (err) {
    return ortReason(err instanceof Error ? err.message : String(err));
  }
};

/**
 * auto: CUDA (only when its libraries are present), then WebGPU, then CPU. An explicit device that does
 * not work is a DeviceError with the reason and what to install.
 */
export async function chooseDevice(request: DeviceRequest, probe: DeviceProbe = probeDevice, candidates: readonly Device[] = AUTO_DEVICES): Promise<DeviceChoice> {
  if (request !== 'auto') {
    const reason = await probe(request);
    if (reason) throw new DeviceError(`device "${request}" is not available: ${reason}. ${installHint(request)}`);
    return { device: request, rejected: [] };
  }
  const rejected: DeviceChoice['rejected'] = [];
  for (const device of candidates) {
    const reason = await probe(device);
    if (!reason) return { device, rejected };
    rejected.push({ device, reason });
  }
  throw new DeviceError(`no device works: ${rejected.map((r) => `${r.device}: ${r.reason}`).join('; ')}`);
}

/** One line for logs: "cpu (cuda: ...; webgpu: ...)". */
export function describeDeviceChoice(choice: DeviceChoice): string {
  if (!choice.rejected.length) return choice.device;
  return `${choice.device} (not ${choice.rejected.map((r) => `${r.device}: ${r.reason}`).join('; not ')})`;
}

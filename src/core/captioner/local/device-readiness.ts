// What a user reads after Install GPU Support, and from `recaption gpu status`: each device and whether it
// works here, with the reason and what to do when not; for CUDA also each library it needs and where.
import { installHint, probeDevice, type Device } from './device.js';
import { DEVICE_REQUESTS } from './device-requests.js';
import { cudaLibraryReport, type CudaLibraryReport } from '../../gpu/cuda-libraries.js';

export interface DeviceReadiness {
  device: Device;
  ok: boolean;
  /** Why not, and what to install; absent when it works. */
  reason?: string;
  /** For a GPU that passed its probe: what the canary (one real batch of the model, against the CPU) said. */
  canary?: string;
}

/** A canary of a model on a device: null when it passed, else why not. */
export type DeviceCanary = (device: Device) => Promise<{ ok: boolean; detail: string }>;

/**
 * Each device: does a session start on it (the probe), and, for a GPU with `canary`, does the model
 * caption there as on the CPU. A GPU that starts but fails its canary is not ready: auto would pass it over.
 */
export async function deviceReadiness(canary?: DeviceCanary): Promise<DeviceReadiness[]> {
  const devices = DEVICE_REQUESTS.filter((d): d is Device => d !== 'auto');
  const out: DeviceReadiness[] = [];
  for (const device of devices) {
    const reason = await probeDevice(device);
    if (reason) {
      out.push({ device, ok: false, reason: `${reason}. ${installHint(device)}` });
      continue;
    }
    if (!canary || device === 'cpu') {
      out.push({ device, ok: true });
      continue;
    }
    const verdict = await canary(device);
    out.push(verdict.ok ? { device, ok: true, canary: verdict.detail } : { device, ok: false, reason: `a session starts, but ${verdict.detail}`, canary: verdict.detail });
  }
  return out;
}

export function describeReadiness(rows: readonly DeviceReadiness[]): string[] {
  return rows.map((r) => (r.ok ? `${r.device}: works${r.canary ? ` (${r.canary})` : ''}` : `${r.device}: not available: ${r.reason}`));
}

/** The CUDA libraries here, or why there are none to look for (no CUDA build, unreadable metadata). */
export function cudaReadiness(): CudaLibraryReport | { unsupported: string } {
  try {
    return cudaLibraryReport();
  } catch (err) {
    return { unsupported: (err as Error).message };
  }
}

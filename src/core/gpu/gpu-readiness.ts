// What a user reads after Install GPU Support, and from `recaption gpu status`: each device and whether it
// works here, with the reason and what to do when not.
import { installHint, probeDevice, type Device } from '../captioner/local/device.js';
import { DEVICE_REQUESTS } from '../captioner/local/device-requests.js';

export interface DeviceReadiness {
  device: Device;
  ok: boolean;
  /** Why not, and what to install; absent when it works. */
  reason?: string;
}

export async function deviceReadiness(): Promise<DeviceReadiness[]> {
  const devices = DEVICE_REQUESTS.filter((d): d is Device => d !== 'auto');
  const out: DeviceReadiness[] = [];
  for (const device of devices) {
    const reason = await probeDevice(device);
    out.push(reason ? { device, ok: false, reason: `${reason}. ${installHint(device)}` } : { device, ok: true });
  }
  return out;
}

export function describeReadiness(rows: readonly DeviceReadiness[]): string[] {
  return rows.map((r) => (r.ok ? `${r.device}: works` : `${r.device}: not available: ${r.reason}`));
}

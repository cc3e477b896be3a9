// The devices a user may ask for, in a module that loads nothing: the CLI's option checks and the
// extension's settings read them without loading ONNX Runtime (device.ts, which probes the devices, does).
export type DeviceRequest = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type Device = Exclude<DeviceRequest, 'auto'>;
export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['auto', 'cuda', 'webgpu', 'cpu'];

/** A setting's value as a device request: one of DEVICE_REQUESTS, 'auto' for anything else (settings are the user's to mistype). */
export function deviceRequestOf(value: unknown): DeviceRequest {
  return DEVICE_REQUESTS.find((d) => d === value) ?? 'auto';
}

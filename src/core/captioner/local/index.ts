// The local captioner's public surface (the CLI and the extension import from here).
export { createLocalBackend, LocalCaptionBackend, type LocalBackendOptions } from './local-backend.js';
export { chooseDevice, describeDeviceChoice, missingCudaLibraries, onnxRuntimeBinaryFolder, installHint, DeviceError, DEVICE_REQUESTS } from './device.js';
export type { Device, DeviceChoice, DeviceProbe, DeviceRequest } from './device.js';
export { DTYPE_REQUESTS, DtypeError, type Dtype, type DtypeRequest } from './dtype.js';
export { defaultModelCache, looksLikeHubId, resolveModel, type ModelSourceOptions, type ResolvedModel } from './model-source.js';
export { HubError, type DownloadProgress } from './hub-download.js';
export { cleanCaption, DEFAULT_CLOSING_PATTERNS, type PostprocessOptions } from './postprocess.js';
export { DEFAULT_FLORENCE_PROMPTS } from './families/florence2.js';
export { FAMILIES } from './families/index.js';

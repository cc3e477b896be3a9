// The captioner's defaults, defined once (the CLI, the extension's settings and the engine read them here;
// package.json's setting defaults must say the same, which test/unit/captioner-defaults.test.ts checks).
import type { Device } from './local/device-requests.js';

/** The model a run uses when none is named: Florence-2-base fine-tuned, in Hugging Face ONNX layout. */
export const DEFAULT_CAPTION_MODEL = 'onnx-community/Florence-2-base-ft';

/** Images per batch when the user does not choose: small on the CPU (little to gain, more latency). */
export const DEFAULT_BATCH_SIZE: Readonly<Record<Device, number>> = { cpu: 4, cuda: 8, webgpu: 8 };

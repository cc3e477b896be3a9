// The captioner's defaults, defined once (the CLI, the extension's settings and the engine read them here;
// package.json's setting defaults must say the same, which test/unit/captioner-defaults.test.ts checks).

/** The model a run uses when none is named: Florence-2-base fine-tuned, in Hugging Face ONNX layout. */
export const DEFAULT_CAPTION_MODEL = 'onnx-community/Florence-2-base-ft';

/** Images with more pixels than this are refused as decompression bombs (the scan's limit, sharp's default). */
export { DEFAULT_MAX_PIXELS } from '../dataset/image-probe.js';

// The scoring defaults, in a module that loads nothing (the extension reads them before any model loads).

/** The default scoring model: OpenAI's CLIP ViT-B/32 in the ONNX layout transformers.js loads. */
export const DEFAULT_SCORE_MODEL = 'Xenova/clip-vit-base-patch32';

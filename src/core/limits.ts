// Limits of the core (the host, the CLI), defined once. Those the webview needs too are in
// src/shared/limits.ts and re-exported here, so core code imports every limit from this one module.
export { assertCaptionFits, CaptionTooLongError, captionTooLongMessage, MAX_CAPTION_CHARS } from '../shared/limits.js';

/**
 * Images with more pixels than this are refused before they are decoded, as likely decompression bombs:
 * sharp's own default, 16383 × 16383. The scan, the captioners, the scorer and dedup read images under it
 * unless told otherwise (the maxPixels setting, --max-pixels).
 */
export const DEFAULT_MAX_PIXELS = 268_402_689;

/**
 * The most bytes an image file may have by default (the maxImageBytes setting, `scan --max-bytes`): far
 * above any real photo, far below a memory problem.
 */
export const DEFAULT_MAX_IMAGE_BYTES = 1 << 30;

/**
 * How long a user's regular expression may run on one text (a caption, an alt-text, a file name) before it
 * is cut off: a linear pattern takes microseconds per caption, a backtracking one (`^(a|a)+$` on a long
 * caption) years. The pattern runs in a worker thread, so the editor is never blocked meanwhile.
 */
export const PATTERN_DEADLINE_MS = 1000;

/**
 * Most characters one find & replace may add to the captions it changes, all together: a replacement that
 * multiplies every caption is refused before it fills memory and the manifest.
 */
export const MAX_REPLACE_GROWTH_CHARS = 64 * 2 ** 20;

/** Heap of the worker users' regular expressions run in: a batch of texts and its results need a few MB. */
export const PATTERN_WORKER_HEAP_MB = 256;

// Limits of the core (the host, the CLI), defined once. Those the webview needs too are in
// src/shared/limits.ts and re-exported here, so core code imports every limit from this one module.
export { assertCaptionFits, CaptionTooLongError, captionTooLongMessage, MAX_CAPTION_CHARS } from '../shared/limits.js';

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

// Limits on what Recaption writes, defined once. The webview imports this file too (it may not import core),
// so core-only limits live in src/core/limits.ts, which re-exports these.
import type { CaptionKind } from './record.js';

/**
 * Longest caption any path may write (an edit, find & replace, normalize, an import, a remote answer,
 * upsampling), in UTF-16 code units as JavaScript counts them: far beyond any real caption (a long DSC is a
 * few thousand), far below what could hurt the editor, a save or a training script.
 */
export const MAX_CAPTION_CHARS = 100_000;

/** The refusal of a caption `length` characters long, naming the image. */
export function captionTooLongMessage(fileName: string, kind: CaptionKind, length: number): string {
  return `${fileName}: the ${kind.toUpperCase()} would be ${length.toLocaleString('en-US')} characters long, over the ${MAX_CAPTION_CHARS.toLocaleString('en-US')} a caption may have; nothing was written`;
}

export class CaptionTooLongError extends Error {
  override name = 'CaptionTooLongError';
  constructor(
    readonly fileName: string,
    readonly kind: CaptionKind,
    readonly length: number,
  ) {
    super(captionTooLongMessage(fileName, kind, length));
  }
}

/** Throws CaptionTooLongError when `text` is over the limit: every caption writer calls this before it writes. */
export function assertCaptionFits(text: string, fileName: string, kind: CaptionKind): void {
  if (text.length > MAX_CAPTION_CHARS) throw new CaptionTooLongError(fileName, kind, text.length);
}

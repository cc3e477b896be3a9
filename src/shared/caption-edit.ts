// A person's writes to a caption, as the host applies them and the webview shows them before the host
// answers: one rule for both, so the provenance the editor shows is the one that is saved.
import { isMachineAuthor, type Caption, type ReviewState } from './record.js';
import { cleanCaptionText } from './caption-text.js';

/**
 * A person's text over `before`. Keeps the machine's text it replaced in `original`, so provenance stays
 * visible. The review is cleared: an approval or rejection was of the old text. Null when the text is what
 * is there already (no change).
 */
export function humanEdit(before: Caption | null, typed: string): Caption | null {
  const text = cleanCaptionText(typed);
  if (before && before.text === text) return null;
  const original = before ? (isMachineAuthor(before.by) ? before.text : before.original) : undefined;
  const next: Caption = { text, by: 'human', at: new Date().toISOString(), review: null };
  if (before?.model) next.model = before.model;
  if (original !== undefined) next.original = original;
  return next;
}

export function withReview(before: Caption, review: ReviewState): Caption | null {
  return before.review === review ? null : { ...before, review };
}

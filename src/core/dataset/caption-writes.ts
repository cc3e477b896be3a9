// What each kind of caption write makes of the caption before it: the one definition shared by the
// manifest store (writes to the file's records) and the edit model (writes to its overlay of unsaved edits).
import { isMachineAuthor, type Caption, type CaptionAuthor, type CaptionFinish, type ReviewState } from '../../shared/record.js';
import { cleanCaptionText } from './caption-text.js';

export interface MachineCaption {
  text: string;
  by: Extract<CaptionAuthor, 'model' | 'upsample'>;
  model: string;
  at?: string;
  /** Why generation ended, where the captioner knows. */
  finish?: CaptionFinish;
}

export function machineCaption(caption: MachineCaption): Caption {
  if (!isMachineAuthor(caption.by)) throw new Error(`a machine caption takes a machine author, not "${caption.by}"`);
  // A new text: no score (scores belong to the text they were computed for).
  const next: Caption = { text: cleanCaptionText(caption.text), by: caption.by, model: caption.model, at: caption.at ?? new Date().toISOString(), review: null };
  if (caption.finish) next.finish = caption.finish;
  return next;
}

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

/** Exact equality of two captions (field by field, extra fields included). */
export function sameCaption(a: Caption | null | undefined, b: Caption | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k]);
}

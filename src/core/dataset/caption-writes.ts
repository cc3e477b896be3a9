// What each kind of caption write makes of the caption before it: the one definition shared by the
// manifest store (writes to the file's records) and the edit model (writes to its overlay of unsaved edits).
import { isMachineAuthor, TEXT_SOURCES, type Caption, type CaptionAuthor, type CaptionFinish, type ManifestRecord, type TextSource } from '../../shared/record.js';
import { cleanCaptionText } from '../../shared/caption-text.js';
import { humanEdit, withReview } from '../../shared/caption-edit.js';

// The person's writes are shared with the webview, which applies them to its copy before the host does.
export { humanEdit, withReview };

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

/** Exact equality of two captions (field by field, extra fields included). */
export function sameCaption(a: Caption | null | undefined, b: Caption | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k]);
}

/** Scores for some of a record's texts, each with the text it was computed for. */
export type TextScores = Partial<Record<TextSource, { text: string; score: number }>>;

/** A score as written: 4 decimals. */
const roundScore = (score: number): number => Math.round(score * 1e4) / 1e4;

/** Whether a score may be written: a cosine, from -1 to 1 (what the manifest reader accepts back). */
const isCosine = (score: number): boolean => Number.isFinite(score) && Math.abs(roundScore(score)) <= 1;

/** Whether `scored` is a score of `value`'s text that may be written. */
const appliesTo = (value: { text: string } | null, scored: { text: string; score: number } | undefined): scored is { text: string; score: number } =>
  value !== null && scored !== undefined && scored.text === value.text && isCosine(scored.score);

/** A text with its new score, or without the old model's (`drop`), or as it was. */
function rescored<T extends { text: string; score?: number }>(value: T, scored: { text: string; score: number } | undefined, drop: boolean): T {
  // A score belongs to the text it was computed for: a text changed since keeps no score of the old one.
  if (appliesTo(value, scored)) return { ...value, score: roundScore(scored.score) };
  if (!drop || value.score === undefined) return value;
  const { score: _dropped, ...rest } = value;
  return rest as T; // T less an optional field is still a T
}

/**
 * The record with `scores` set (where its texts are still the scored ones, and each score is a cosine) by
 * `model`; another model's scores are dropped. Nothing else of the record changes: not a text, an author or a review.
 */
export function withScores(record: ManifestRecord, model: string, scores: TextScores): { record: ManifestRecord; applied: number } {
  const drop = record.score_model !== undefined && record.score_model !== model;
  let applied = 0;
  for (const source of TEXT_SOURCES) if (appliesTo(record[source], scores[source])) applied++;
  return {
    record: {
      ...record,
      score_model: model,
      alt: record.alt && rescored(record.alt, scores.alt, drop),
      ssc: record.ssc && rescored(record.ssc, scores.ssc, drop),
      dsc: record.dsc && rescored(record.dsc, scores.dsc, drop),
    },
    applied,
  };
}

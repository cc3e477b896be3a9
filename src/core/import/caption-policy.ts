// A caption from a foreign file made into what every writer stores: decoded (UTF-8, else Windows-1252),
// line breaks unified and control and bidirectional-override characters removed (cleanCaptionText, as
// for edits and remote answers), and no longer than MAX_CAPTION_CHARS. What was changed or left out is
// said, so the import's report can count it.
import { cleanCaptionText } from '../../shared/caption-text.js';
import { decodeText } from '../dataset/ground-truth.js';
import { MAX_CAPTION_CHARS } from '../limits.js';
import { count } from './parquet-format-error.js';

export type CaptionNote = 'caption cleaned' | 'caption too long' | 'caption not UTF-8';

export interface CaptionValue {
  text: string | null;
  /** What happened to it on the way, with a detail for the report ("1,234,567 characters"). */
  notes?: { note: CaptionNote; detail?: string }[];
}

const NONE: CaptionValue = { text: null };

/** A caption over the limit: left out, and said so. */
export function tooLong(detail: string): CaptionValue {
  return { text: null, notes: [{ note: 'caption too long', detail: `${detail}, over the ${count(MAX_CAPTION_CHARS)} characters a caption may have` }] };
}

/** `text` (already decoded) as a caption, or why it is not one. */
export function captionFromText(text: string, notes: CaptionValue['notes'] = []): CaptionValue {
  const plain = text.replace(/\r\n?/g, '\n').trim();
  const clean = cleanCaptionText(plain).trim();
  const all = clean === plain ? notes : [...notes, { note: 'caption cleaned' as const }];
  if (clean.length > MAX_CAPTION_CHARS) return tooLong(`${count(clean.length)} characters`);
  if (clean === '') return all.length ? { text: null, notes: all } : NONE;
  return all.length ? { text: clean, notes: all } : { text: clean };
}

/** A caption's bytes (a Parquet value, a .txt member): decoded, cleaned and bounded. */
export function captionFromBytes(bytes: Uint8Array | null): CaptionValue {
  if (bytes === null || bytes.length === 0) return NONE;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: past this, the text is too long whatever it says.
  if (bytes.length > MAX_CAPTION_CHARS * 3) return tooLong(`${count(bytes.length)} bytes`);
  const decoded = decodeText(bytes, 'caption');
  return captionFromText(decoded.text, decoded.warning ? [{ note: 'caption not UTF-8', detail: 'read as Windows-1252' }] : []);
}

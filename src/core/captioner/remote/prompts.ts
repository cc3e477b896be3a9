// Our default prompts for a served vision model. They ask for exactly what the recaptioning recipe
// trains on: the SSC names the main subject only; the DSC covers the subject, its surroundings and
// background, any text in the image, the style, the colours, and counts and positions. Both forbid the
// stock openings ("The image shows ...") and markdown that would end up in training captions.
// Users can replace either prompt (settings / CLI); these are the defaults.
import type { CaptionKind } from '../../../shared/record.js';

export const DEFAULT_SSC_PROMPT = [
  'Write a short caption for this image: one sentence of at most 15 words that names only the main subject',
  '(what it is and, if it matters, what it is doing).',
  'Leave out the background, the surroundings, the style and the colours unless they are the subject itself.',
  'Do not start with "The image", "This image", "A picture of" or "A photo of" unless the medium is the point.',
  'Answer with the caption only: no quotes, no preamble, no markdown.',
].join(' ');

export const DEFAULT_DSC_PROMPT = [
  'Describe this image in one detailed paragraph of plain prose. Cover, in this order:',
  'the main subject (what it is, how it looks, what it is doing);',
  'its surroundings and the background;',
  'any text visible in the image, quoted exactly as written;',
  'the style or medium (photograph, illustration, painting, 3D render, screenshot, ...);',
  'the main colours;',
  'how many of each kind of thing there are, and where they are in the frame (left, right, centre, top, bottom, foreground, background).',
  'State only what is visible. Do not guess names, brands or places that the image does not show, and do not',
  'mention text if there is none. Do not start with "The image shows" or "This image"; no lists, headings or',
  'markdown; no closing remarks about mood or atmosphere. Answer with the description only.',
].join(' ');

export type CaptionPrompts = Record<CaptionKind, string>;

export const DEFAULT_CAPTION_PROMPTS: CaptionPrompts = { ssc: DEFAULT_SSC_PROMPT, dsc: DEFAULT_DSC_PROMPT };

/** Default max_tokens per task: a one-sentence SSC needs few, a DSC paragraph a few hundred. */
export const DEFAULT_MAX_TOKENS: Record<CaptionKind, number> = { ssc: 64, dsc: 512 };

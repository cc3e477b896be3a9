// Clean-up that users otherwise do by hand on Florence-2 output: trim, collapse whitespace, cut repetition
// loops (greedy decoding of long captions can repeat a phrase or a sentence until max length), and
// optionally drop the model's stock closing sentence ("The overall mood of the image is ...").

export interface PostprocessOptions {
  /** Drop a last sentence that matches one of `closingPatterns` (never the only sentence). */
  dropClosingSentence?: boolean;
  /** Regular expressions (case-insensitive) tested against the last sentence. */
  closingPatterns?: readonly string[];
}

export const DEFAULT_CLOSING_PATTERNS: readonly string[] = [
  '^(overall, )?the (overall )?(mood|atmosphere|tone|feel|vibe|ambiance|ambience) of the (image|scene|picture|photo|photograph)\\b',
  '^overall, (the|this) (image|scene|picture|photo)\\b',
  '^the (image|scene|picture|photo) (conveys|evokes|gives|creates|captures) (a|an) (sense|feeling|atmosphere|mood)\\b',
];

const SENTENCE_END = /(?<=[.!?])\s+/;

function normalise(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Removes sentences that repeat an earlier one word for word. */
function dropRepeatedSentences(text: string): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const sentence of text.split(SENTENCE_END)) {
    const key = normalise(sentence);
    if (key && seen.has(key)) continue;
    seen.add(key);
    kept.push(sentence);
  }
  return kept.join(' ');
}

/**
 * Collapses a phrase of 1-8 words repeated back to back (3+ times, or twice for phrases of 4+ words)
 * to one occurrence, and drops a trailing fragment of the phrase cut off by the length limit.
 */
function collapseRepeatedPhrases(text: string): string {
  const words = text.split(' ');
  const key = words.map(normalise);
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    let collapsed = false;
    for (let n = 1; n <= 8 && i + 2 * n <= words.length; n++) {
      let k = 1;
      while (i + (k + 1) * n <= words.length && sameRun(key, i, i + k * n, n)) k++;
      if (k >= 3 || (k >= 2 && n >= 4)) {
        // Keep the last full copy: it carries the punctuation that ends the loop, if any.
        out.push(...words.slice(i + (k - 1) * n, i + k * n));
        i += k * n;
        // A partial copy left at the very end (the model hit its length limit mid-loop).
        let m = 0;
        while (i + m < words.length && m < n && key[i + m] === key[i - n + m]) m++;
        if (i + m === words.length) i = words.length;
        collapsed = true;
        break;
      }
    }
    if (!collapsed) out.push(words[i++]!);
  }
  return out.join(' ');
}

function sameRun(key: readonly string[], a: number, b: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (key[a + j] !== key[b + j]) return false;
  return true;
}

function dropClosing(text: string, patterns: readonly string[]): string {
  const sentences = text.split(SENTENCE_END);
  if (sentences.length < 2) return text;
  const last = sentences[sentences.length - 1]!;
  return patterns.some((p) => new RegExp(p, 'iu').test(last.trim())) ? sentences.slice(0, -1).join(' ') : text;
}

export function cleanCaption(raw: string, options: PostprocessOptions = {}): string {
  let text = raw.replace(/<\/?s>|<pad>/g, ' ').replace(/\s+/g, ' ').trim();
  text = collapseRepeatedPhrases(dropRepeatedSentences(text));
  if (options.dropClosingSentence) text = dropClosing(text, options.closingPatterns ?? DEFAULT_CLOSING_PATTERNS);
  // A loop cut at a comma leaves a dangling separator.
  return text.replace(/\s+([.,;:!?])/g, '$1').replace(/[\s,;:]+$/, '').trim();
}

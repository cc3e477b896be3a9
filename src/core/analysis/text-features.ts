// The small text measurements the habit report is made of. Each one is defined once here so that the
// report, its tests and the hand-computed numbers agree on what "a word" or "an opening" is.

/** Words as a person counts them: runs of non-space characters. */
export function wordsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** Lower-case words with their surrounding punctuation removed; for phrases and n-grams. */
export function tokensOf(text: string): string[] {
  const tokens: string[] = [];
  for (const word of wordsOf(text)) {
    const token = word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * Words that carry no content of their own (English; the captioners write English): what is left after
 * them is what two captions of one image should share.
 */
const FUNCTION_WORDS = new Set(
  ('a an the and or but of in on at to for with by from as into onto over under near this that these those ' +
    'is are was were be been being it its there here some any each image picture photo shows ' +
    'showing depicts features very which who while his her their them they he she we you i').split(' '),
);

/** Content words among a text's tokens (tokensOf): without function words and one-letter tokens. */
export function contentWordsIn(tokens: readonly string[]): string[] {
  return tokens.filter((t) => t.length > 1 && !FUNCTION_WORDS.has(t));
}

export function startsWithArticle(text: string): boolean {
  const first = tokensOf(text)[0];
  return first !== undefined && ARTICLES.has(first);
}

export function endsWithPeriod(text: string): boolean {
  return text.trimEnd().endsWith('.');
}

/** Whether the first letter (after any quotes or digits) is upper case. */
export function startsCapitalised(text: string): boolean {
  const letter = /\p{L}/u.exec(text);
  return letter !== null && /[\p{Lu}\p{Lt}]/u.test(letter[0]);
}

export const PHRASE_WORDS = 3;

export function openingPhrase(text: string, words = PHRASE_WORDS): string {
  return tokensOf(text).slice(0, words).join(' ');
}

export function closingPhrase(text: string, words = PHRASE_WORDS): string {
  const tokens = tokensOf(text);
  return tokens.slice(Math.max(0, tokens.length - words)).join(' ');
}

/** A loop: an n-gram of LOOP_WORDS words found LOOP_MIN_TIMES times or more inside one text. */
export const LOOP_WORDS = 4;
export const LOOP_MIN_TIMES = 2;

export interface RepeatedNgram {
  ngram: string;
  times: number;
}

/** Whether some n tokens in a row occur `minTimes` times in `tokens` (the loop test; stops at the first). */
export function hasRepeatedNgram(tokens: readonly string[], n: number, minTimes: number): boolean {
  if (tokens.length < n * minTimes) return false;
  const seen = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join(' ');
    const times = (seen.get(gram) ?? 0) + 1;
    if (times >= minTimes) return true;
    seen.set(gram, times);
  }
  return false;
}

/** n-grams that occur at least `minTimes` times within one text, most repeated first. */
export function repeatedNgrams(text: string, n: number, minTimes: number): RepeatedNgram[] {
  const tokens = tokensOf(text);
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, times]) => times >= minTimes)
    .map(([ngram, times]) => ({ ngram, times }))
    .sort((a, b) => b.times - a.times || (a.ngram < b.ngram ? -1 : 1));
}

/** The form two captions are compared in for "identical": case and spacing do not count. */
export function identityKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

// The small text measurements the habit report and the defect flags are made of. Each one is defined once
// here so that the report, its tests and the hand-computed numbers agree on what "a word" or "an opening" is.

/** Words as a person counts them: runs of non-space characters. */
export function wordsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

const WORD = /\S+/g;
const EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** Whether a UTF-16 unit is an ASCII letter or digit: most word edges are, and need no Unicode regex. */
function isAsciiAlnum(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
}

/** Lower-case words with their surrounding punctuation removed; for phrases and n-grams. */
export function tokensOf(text: string): string[] {
  // One pass over the lowered text (this runs for every caption of a million-record `stats`): a word's
  // edges are stripped only when they are not plain letters or digits.
  const tokens: string[] = [];
  for (const match of text.toLowerCase().matchAll(WORD)) {
    let token = match[0];
    if (!isAsciiAlnum(token.charCodeAt(0)) || !isAsciiAlnum(token.charCodeAt(token.length - 1))) token = token.replace(EDGES, '');
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

/** wordsOf(text).length without making the words. */
export function wordCount(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // ASCII whitespace by code; anything beyond ASCII asks the same \s that wordsOf splits on.
    const space = code < 128 ? code === 32 || (code >= 9 && code <= 13) : /\s/.test(text[i]!);
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count;
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

/** The function words, for callers that match tokens by hash (token-scan.ts). */
export function functionWords(): readonly string[] {
  return [...FUNCTION_WORDS];
}

/** Whether a text's tokens (tokensOf) open with an article. */
export function startsWithArticleIn(tokens: readonly string[]): boolean {
  const first = tokens[0];
  return first !== undefined && ARTICLES.has(first);
}

export function endsWithPeriod(text: string): boolean {
  return text.trimEnd().endsWith('.');
}

/** Whether the first letter (after any quotes or digits) is upper case. */
export function startsCapitalised(text: string): boolean {
  // ASCII before the first letter is read here (the habit report asks of every caption); from the first
  // other character on, the regular expressions decide.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return startsCapitalisedFrom(text.slice(i));
    if (c >= 65 && c <= 90) return true;
    if (c >= 97 && c <= 122) return false;
  }
  return false;
}

function startsCapitalisedFrom(text: string): boolean {
  const letter = /\p{L}/u.exec(text);
  return letter !== null && /[\p{Lu}\p{Lt}]/u.test(letter[0]);
}

export const PHRASE_WORDS = 3;

export function openingPhraseIn(tokens: readonly string[], words = PHRASE_WORDS): string {
  return tokens.slice(0, words).join(' ');
}

export function closingPhraseIn(tokens: readonly string[], words = PHRASE_WORDS): string {
  return tokens.slice(Math.max(0, tokens.length - words)).join(' ');
}

/** A loop: an n-gram of LOOP_WORDS words found LOOP_MIN_TIMES times or more inside one text. */
export const LOOP_WORDS = 4;
export const LOOP_MIN_TIMES = 2;

export interface RepeatedNgram {
  ngram: string;
  times: number;
}

/**
 * n-grams that occur at least `minTimes` times among a text's tokens (tokensOf), most repeated first.
 * Callers over many texts test with TokenScan.hasRepeat first: most texts repeat nothing.
 */
export function repeatedNgramsIn(tokens: readonly string[], n: number, minTimes: number): RepeatedNgram[] {
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

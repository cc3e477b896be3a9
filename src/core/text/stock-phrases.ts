// The stock phrases a captioner opens and closes with ("The image shows", "The overall mood is"): what the
// strip-opening and cut-closing normalizers remove, and what the stock-phrase defect flag looks for.

/** Stock openings, tried in order; the first that matches is removed. */
export const DEFAULT_OPENING_PATTERNS: readonly RegExp[] = [
  /^(?:the|this)\s+(?:image|picture|photo(?:graph)?|illustration|painting|drawing|scene)\s+(?:shows|depicts|features|displays|presents|portrays|captures|contains|showcases|is\s+of)\s+/i,
  /^(?:this|it)\s+is\s+(?:a|an)\s+(?:image|picture|photo(?:graph)?)\s+of\s+/i,
  /^in\s+(?:this|the)\s+(?:image|picture|photo(?:graph)?|scene)\s*,?\s*(?:we\s+can\s+see\s+|there\s+(?:is|are)\s+|we\s+see\s+)?/i,
  /^this\s+is\s+/i,
];

/** Stock closing sentences (matched against the last sentence only, and only when there are several). */
export const DEFAULT_CLOSING_PATTERNS: readonly RegExp[] = [
  /^(?:the\s+)?overall\b/i,
  /^(?:the|this)\s+(?:image|picture|photo(?:graph)?|scene)\s+(?:conveys|evokes|creates|exudes|gives\s+off)\b/i,
  /^the\s+(?:mood|atmosphere|ambiance|tone)\s+(?:of|is)\b/i,
];

export function stripOpening(text: string, patterns: readonly RegExp[] = DEFAULT_OPENING_PATTERNS): string {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (!match || match.index !== 0) continue;
    const rest = text.slice(match[0].length);
    if (rest.trim() === '') return text;
    // Keep the caption's own convention: it started with a capital, so does what is left.
    return /^\s*\p{Lu}/u.test(text) ? rest.charAt(0).toUpperCase() + rest.slice(1) : rest;
  }
  return text;
}

export function cutClosingSentence(text: string, patterns: readonly RegExp[] = DEFAULT_CLOSING_PATTERNS): string {
  const trimmed = text.trimEnd();
  let lastStart = -1;
  for (const m of trimmed.matchAll(/[.!?]["')\]]*\s+(?=\S)/g)) lastStart = m.index + m[0].length;
  if (lastStart <= 0) return text;
  const last = trimmed.slice(lastStart);
  return patterns.some((p) => p.test(last)) ? trimmed.slice(0, lastStart).trimEnd() : text;
}

/** Whether `code` (at text[i]) is white space as \s and trim() define it. */
function isSpaceAt(text: string, i: number, code: number): boolean {
  return code < 128 ? code === 32 || (code >= 9 && code <= 13) : /\s/.test(text[i]!);
}

const CLOSERS = new Set(['"', "'", ')', ']'].map((c) => c.charCodeAt(0)));

/**
 * Where the last sentence of text[0, end) starts (end: after its last non-space character): after the last
 * run of white space that follows a sentence end (. ! ?) and its closing quotes or brackets, as
 * cutClosingSentence's pattern finds it; -1 when there is none. The sentence ends are found from the end
 * with lastIndexOf, so a caption of one sentence costs three searches in native code, not a loop here.
 */
function lastSentenceStart(text: string, end: number): number {
  let dot = text.lastIndexOf('.', end - 1);
  let bang = text.lastIndexOf('!', end - 1);
  let question = text.lastIndexOf('?', end - 1);
  for (;;) {
    const at = Math.max(dot, bang, question);
    if (at < 0) return -1;
    let k = at + 1;
    while (k < end && CLOSERS.has(text.charCodeAt(k))) k++;
    if (k < end && isSpaceAt(text, k, text.charCodeAt(k))) {
      while (isSpaceAt(text, k, text.charCodeAt(k))) k++;
      return k;
    }
    // Only the end just tried moves back: the others are before it already.
    if (at === dot) dot = at > 0 ? text.lastIndexOf('.', at - 1) : -1;
    else if (at === bang) bang = at > 0 ? text.lastIndexOf('!', at - 1) : -1;
    else question = at > 0 ? text.lastIndexOf('?', at - 1) : -1;
  }
}

/**
 * Whether a caption opens or closes with one of the stock phrases the normalizers remove: whether
 * stripOpening or cutClosingSentence (default patterns) would change it, without making the changed text
 * (this runs for every caption of a million-record `stats`).
 */
export function hasStockPhrase(text: string): boolean {
  // One search for all the openings: alternatives are tried in order at the start, so the first pattern that
  // matches is the one that matches, as in stripOpening; `g` leaves the match's end in lastIndex, with no
  // match array made.
  ANY_OPENING.lastIndex = 0;
  if (ANY_OPENING.test(text)) {
    // stripOpening keeps a caption that would be left blank.
    for (let i = ANY_OPENING.lastIndex; i < text.length; i++) if (!isSpaceAt(text, i, text.charCodeAt(i))) return true;
  }
  let end = text.length;
  while (end > 0 && isSpaceAt(text, end - 1, text.charCodeAt(end - 1))) end--;
  const start = lastSentenceStart(text, end);
  if (start <= 0) return false;
  ANY_CLOSING.lastIndex = 0;
  return ANY_CLOSING.test(text.slice(start, end));
}

/** Patterns as one, tried in order at the start of the text (each is anchored by its own "^"). */
function anyOf(patterns: readonly RegExp[]): RegExp {
  const flags = new Set(patterns.map((p) => p.flags));
  if (flags.size !== 1) throw new Error('stock phrase patterns must share their flags');
  return new RegExp(`^(?:${patterns.map((p) => `(?:${p.source})`).join('|')})`, `${[...flags][0]!}g`);
}

const ANY_OPENING = anyOf(DEFAULT_OPENING_PATTERNS);
const ANY_CLOSING = anyOf(DEFAULT_CLOSING_PATTERNS);

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

/** Whether a caption opens or closes with one of the stock phrases the normalizers remove. */
export function hasStockPhrase(text: string): boolean {
  return stripOpening(text, DEFAULT_OPENING_PATTERNS) !== text || cutClosingSentence(text, DEFAULT_CLOSING_PATTERNS) !== text;
}

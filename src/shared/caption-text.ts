// Caption text as it may be stored and exported. Python's str.splitlines() (what many training scripts
// read sidecar and metadata files with) breaks lines at \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029 as well
// as \n and \r, so one caption carrying them became several. Line breaks of every kind become "\n" (a
// caption's own line breaks stay where a format can hold them); other control characters go, and so do
// the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make a
// caption read differently from what it holds.

const LINE_BREAKS = /\r\n|[\r\v\f\x1c-\x1e\x85\u2028\u2029]/g;
// C0 controls but tab and newline, DEL, the C1 controls, and the bidirectional formatting characters.
const CONTROLS = /[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]/g;

// Every character either pattern changes: a text with none (nearly every caption) is returned as it is,
// after one test instead of two replaces (an export cleans each of a million captions).
const CHANGED = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/;

/** The text with line breaks unified to "\n" and other control characters removed. */
export function cleanCaptionText(text: string): string {
  if (!CHANGED.test(text)) return text;
  return text.replace(LINE_BREAKS, '\n').replace(CONTROLS, '');
}

// Every character CHANGED holds, and every one JSON.stringify may write escaped: the quote, the backslash,
// the controls, and surrogates (it escapes the lone ones; pairs are left to it too). An export checks each
// of a million captions once for both, and writes a plain one as its own JSON string, without stringify.
const NOT_PLAIN = /["\\\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/;

/** Whether cleanCaptionText leaves `text` as it is and JSON.stringify(text) is `"${text}"`. */
export function isPlainCaption(text: string): boolean {
  return !NOT_PLAIN.test(text);
}

/** JSON.stringify(cleanCaptionText(text)): a plain text (nearly every caption) after one test. */
export function cleanCaptionJson(text: string): string {
  return isPlainCaption(text) ? `"${text}"` : JSON.stringify(cleanCaptionText(text));
}

/** What Python's str.splitlines() would cut a text into: for checking that one caption stays one line. */
export function pythonSplitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

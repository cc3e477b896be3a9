// Text from a dataset (captions, phrases, file names, titles) as it may appear in the card's Markdown:
// on one line, with every character that Markdown, GFM tables, the Hub's math rendering or HTML give a
// meaning written as a numeric character reference. A caption can then neither open an HTML tag, nor end
// a table cell, nor start a link, code span, emphasis or formula: it renders as the characters it holds.
import { CONTROL_CHARACTERS } from '../../../shared/control-characters.js';

/**
 * Markdown / HTML punctuation, '$' (the Hub renders $…$ as math), '@' (addresses, mentions) and a ':' before
 * '/', so a URL in a caption never becomes a link. With '<' and '[' escaped no tag or link can open, so
 * quotes and parentheses stay as they are.
 */
const SPECIAL = /[&<>`|\\*_[\]#!~{}$@^]|:(?=\/)/g;
/** Line and paragraph breaks of every kind: a newline inside a table row would end the table. */
const BREAKS = /\r\n|[\n\r\u0085\u2028\u2029]/g;
/** Bidirectional controls, which can make a text display as something other than what it holds. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` on one line, safe inside a paragraph, a list item, a heading or a table cell. */
export function markdownText(text: string): string {
  return text
    .replace(BREAKS, ' ')
    .replace(/\t/g, ' ')
    .replace(CONTROL_CHARACTERS, '')
    .replace(BIDI_CONTROLS, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(SPECIAL, (c) => `&#${c.charCodeAt(0)};`)
    // "www." starts an autolink without a scheme.
    .replace(/(www)\./gi, '$1&#46;');
}

/** At most `max` characters (code points, so a surrogate pair is never cut), with an ellipsis when cut. */
export function clipText(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** A GFM table from cells that are already Markdown (numbers, fixed labels, or markdownText output). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => ((align[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

// Find & replace of one text with a bound on the result: String.prototype.replace builds the whole result
// before anyone can look at its length, so a replacement that multiplies a caption (800k characters from a
// few hundred) would be built first and refused after. This walks the matches itself and stops as soon as
// the result passes the bound, with the replacement patterns of String.prototype.replace.

/** Where a bounded replace stopped: the result would have been at least `length` characters long. */
export interface ReplaceOverflow {
  over: number;
}

/**
 * `text` with every match of `re` (which must have the g flag) replaced as String.prototype.replace would
 * replace it: `replacement`'s `$$`, `$&`, `` $` ``, `$'`, `$1`–`$99` and `$<name>` are expanded, unless `literal`
 * (a plain search), where it is inserted as it is. Stops once the result passes `maxChars`, or once it grows
 * by more than `maxGrowth` over `text`: then the overflow, never the whole result.
 */
export function replaceBounded(text: string, re: RegExp, replacement: string, literal: boolean, maxChars: number, maxGrowth = Infinity): string | ReplaceOverflow {
  if (!re.global) throw new Error('replaceBounded needs a global regular expression');
  re.lastIndex = 0;
  const parts: string[] = [];
  let length = 0;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const piece = literal ? replacement : substitution(replacement, m, text);
    parts.push(text.slice(last, m.index), piece);
    length += m.index - last + piece.length;
    last = m.index + m[0].length;
    if (length > maxChars || length - last > maxGrowth) return { over: length + text.length - last };
    // An empty match moves on by one character (a code point with the u flag), as replace does.
    if (m[0] === '') re.lastIndex = advance(text, re.lastIndex, re.unicode);
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  length += text.length - last;
  if (length > maxChars || length - text.length > maxGrowth) return { over: length };
  return parts.join('');
}

function advance(text: string, index: number, unicode: boolean): number {
  if (!unicode || index + 1 >= text.length) return index + 1;
  const first = text.charCodeAt(index);
  const second = text.charCodeAt(index + 1);
  return first >= 0xd800 && first <= 0xdbff && second >= 0xdc00 && second <= 0xdfff ? index + 2 : index + 1;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** The replacement for one match: GetSubstitution of the ECMAScript specification. */
export function substitution(template: string, match: RegExpExecArray, text: string): string {
  if (!template.includes('$')) return template;
  const matched = match[0];
  const position = match.index;
  const captures = match.length - 1;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1 || dollar === template.length - 1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const next = template[dollar + 1]!;
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '&') {
      out += matched;
      i = dollar + 2;
    } else if (next === '`') {
      out += text.slice(0, position);
      i = dollar + 2;
    } else if (next === "'") {
      out += text.slice(Math.min(position + matched.length, text.length));
      i = dollar + 2;
    } else if (isDigit(next.charCodeAt(0))) {
      // Two digits when there are that many groups, else one digit and a literal digit after it.
      let digits = isDigit(template.charCodeAt(dollar + 2)) ? 2 : 1;
      let index = Number(template.slice(dollar + 1, dollar + 1 + digits));
      if (digits === 2 && index > captures) {
        digits = 1;
        index = Number(next);
      }
      out += index >= 1 && index <= captures ? (match[index] ?? '') : template.slice(dollar, dollar + 1 + digits);
      i = dollar + 1 + digits;
    } else if (next === '<' && match.groups !== undefined) {
      const close = template.indexOf('>', dollar + 2);
      if (close === -1) {
        out += '$<';
        i = dollar + 2;
      } else {
        out += match.groups[template.slice(dollar + 2, close)] ?? '';
        i = close + 1;
      }
    } else {
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

// Keeps the Hub token out of every message a push produces, in whatever form a server echoes it: as it
// is, in any letter case, split by spaces, quotes or line breaks, URL-encoded (every byte or some),
// base64 or base64url (at any byte alignment, e.g. inside an echoed "Basic" header), hex, or as JSON
// \u escapes. Rather than listing encodings of the token, the text's encoded-looking stretches are decoded
// and searched: any stretch of SECRET_FRAGMENT or more of the token's letters and digits, in order, is
// enough to hide it.

/** Token pieces of this many letters and digits are hidden; shorter ones are too likely to occur by chance. */
export const SECRET_FRAGMENT = 8;
/** Only this much of a text is searched (and kept): messages are cut far shorter than this anyway. */
const MAX_SCANNED = 64 * 1024;
const MASK = '***';

/** The letters and digits of `text`, lower-cased, with where each came from. */
function skeleton(text: string): { chars: string; at: number[] } {
  let chars = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/[A-Za-z0-9]/.test(c)) {
      chars += c.toLowerCase();
      at.push(i);
    }
  }
  return { chars, at };
}

/** Every SECRET_FRAGMENT-long piece of the secret's skeleton. */
function fragmentsOf(secret: string): Set<string> {
  const { chars } = skeleton(secret);
  const out = new Set<string>();
  for (let i = 0; i + SECRET_FRAGMENT <= chars.length; i++) out.add(chars.slice(i, i + SECRET_FRAGMENT));
  return out;
}

/** The [start, end) ranges of `text` that spell out a piece of the secret, separators between its letters included. */
function secretRanges(text: string, fragments: ReadonlySet<string>): [number, number][] {
  const { chars, at } = skeleton(text);
  const ranges: [number, number][] = [];
  for (let i = 0; i + SECRET_FRAGMENT <= chars.length; i++) {
    if (!fragments.has(chars.slice(i, i + SECRET_FRAGMENT))) continue;
    const start = at[i]!;
    const end = at[i + SECRET_FRAGMENT - 1]! + 1;
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  return ranges;
}

function mask(text: string, ranges: readonly [number, number][]): string {
  let out = '';
  let from = 0;
  for (const [start, end] of ranges) {
    out += text.slice(from, start) + MASK;
    from = end;
  }
  return out + text.slice(from);
}

/** Decodings of an encoded-looking stretch, each tried in turn (a wrong guess decodes to noise). */
const DECODERS: { pattern: RegExp; decode: (run: string) => string[] }[] = [
  // base64 and base64url, at each of the four character alignments (the token may start mid-group).
  {
    pattern: /[A-Za-z0-9+/_-]{12,}={0,2}/g,
    decode: (run) => [0, 1, 2, 3].map((skip) => Buffer.from(run.slice(skip).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1')),
  },
  // Percent-encoding, of every byte or some.
  {
    pattern: /(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9_.~+-])*%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9_.~+-])*/g,
    decode: (run) => [run.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))],
  },
  // Hex, at either nibble alignment.
  { pattern: /[0-9A-Fa-f]{16,}/g, decode: (run) => [Buffer.from(run, 'hex').toString('latin1'), Buffer.from(run.slice(1), 'hex').toString('latin1')] },
  // JSON (or JavaScript) \u escapes.
  {
    pattern: /(?:\\u[0-9A-Fa-f]{4}|[A-Za-z0-9_])*\\u[0-9A-Fa-f]{4}(?:\\u[0-9A-Fa-f]{4}|[A-Za-z0-9_])*/g,
    decode: (run) => [run.replace(/\\u([0-9A-Fa-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))],
  },
];

/** `text` with every form of `secret` in it replaced by "***" (and cut to MAX_SCANNED characters). */
export function redactSecret(text: string, secret: string): string {
  let out = text.length > MAX_SCANNED ? text.slice(0, MAX_SCANNED) : text;
  const fragments = fragmentsOf(secret);
  if (fragments.size === 0) return secret ? out.split(secret).join(MASK) : out;
  // Encoded stretches first: once decoded, a piece of the secret hides the whole stretch.
  for (const { pattern, decode } of DECODERS) {
    out = out.replace(pattern, (run) => (decode(run).some((decoded) => secretRanges(decoded, fragments).length > 0) ? MASK : run));
  }
  return mask(out, secretRanges(out, fragments));
}

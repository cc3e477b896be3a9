// Keeps the API key out of every message the remote code produces: error texts end up in the manifest's
// `error` field, in logs and on the terminal, and a server may echo the key back: as it is, URL-encoded,
// or base64-encoded inside an echoed header.

/** Shorter secrets are not secrets worth hiding and would mangle ordinary words. */
const MIN_SECRET = 4;
/** A base64 fragment shorter than this is too likely to occur by chance. */
const MIN_BASE64_FRAGMENT = 8;

/**
 * The stretch of base64 text that encodes `secret` wherever it sits in the encoded data: for each of the
 * three byte alignments, the characters that depend on the secret's bytes alone.
 */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.concat([Buffer.alloc(shift, 0x20), Buffer.from(secret, 'utf8')]);
    const full = bytes.toString('base64').replace(/=+$/, '');
    // Skip the group the leading pad shares, and the last group the unknown following bytes would share.
    const start = shift === 0 ? 0 : 4;
    const end = bytes.length % 3 === 0 ? full.length : Math.floor(bytes.length / 3) * 4;
    const core = full.slice(start, end);
    if (core.length >= MIN_BASE64_FRAGMENT) forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** Every form of `secret` a server might echo: plain, URL-encoded, base64 and base64url. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET) return [];
  const forms = new Set([secret, encodeURIComponent(secret), ...base64Forms(secret)]);
  // Longest first, so a form that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every form of each secret in `text` with "[redacted]". */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of secretForms(secret)) out = out.split(form).join('[redacted]');
  }
  return out;
}

// Keeps the API key out of every message the remote code produces: error texts end up in the manifest's
// `error` field, in logs and on the terminal, and a server may echo the Authorization header back.

/** Replaces every occurrence of each secret in `text` with "[redacted]". Secrets shorter than 4 characters are not secrets worth hiding and would mangle ordinary words. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

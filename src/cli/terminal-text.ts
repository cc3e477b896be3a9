// What the CLI prints to a terminal carries file names, captions and server messages, any of which may
// hold escape sequences (a file named with "\x1b]8;;..." rewrites the terminal). Control characters other
// than newline and tab are printed as \xNN. JSON output needs none of this: JSON.stringify escapes them.

export function forTerminal(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Writes text for people to stderr. */
export function writeErr(text: string): void {
  process.stderr.write(forTerminal(text));
}

/** Writes text for people to stdout (reports; not JSON, which is written as it is). */
export function writeOut(text: string): void {
  process.stdout.write(forTerminal(text));
}

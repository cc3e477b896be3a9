// What the CLI prints to a terminal carries file names, captions and server messages, any of which may
// hold escape sequences (a file named with "\x1b]8;;..." rewrites the terminal). Control characters other
// than newline and tab are printed as \xNN. JSON output needs none of this: JSON.stringify escapes them.
import { CONTROL_CHARACTERS } from '../shared/control-characters.js';

export function forTerminal(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Writes text for people to stderr. */
export function writeErr(text: string): void {
  process.stderr.write(forTerminal(text));
}

/** The manifest's unreadable lines, one warning each with its number (`note`: what happens to them here). */
export function warnProblems(problems: readonly { line: number; message: string }[], fileName: string, note = ''): void {
  for (const p of problems) writeErr(`warning: ${fileName} line ${p.line}: ${p.message}${note ? ` (${note})` : ''}\n`);
}

/** Writes text for people to stdout (reports; not JSON, which is written as it is). */
export function writeOut(text: string): void {
  process.stdout.write(forTerminal(text));
}

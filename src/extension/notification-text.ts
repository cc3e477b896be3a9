// Text from outside (server errors, file names, setting values) made safe for a VS Code notification,
// which renders [text](command:...) as a link that runs a command on one click. No vscode import: unit-tested.

/** The text as plain words: "](" never forms a link, control characters are gone. */
export function plainNotificationText(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '').replace(/\]\s*\(/g, ']\u200b(');
}

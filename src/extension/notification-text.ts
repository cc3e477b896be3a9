// Text from outside (server errors, file names, setting values) made safe for a VS Code notification,
// which renders [text](command:...) as a link that runs a command on one click. No vscode import: unit-tested.
import { CONTROL_CHARACTERS } from '../shared/control-characters.js';

/** The text as plain words: "](" never forms a link, control characters are gone. */
export function plainNotificationText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '').replace(/\]\s*\(/g, ']\u200b(');
}

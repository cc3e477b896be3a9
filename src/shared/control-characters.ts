// Control characters other than tab and newline: what text from outside must not carry into a terminal or
// a notification. One definition for the CLI (src/cli/terminal-text.ts) and the extension (notification-text.ts).
export const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

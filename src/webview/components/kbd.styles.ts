// A key as the help, the footer and the caption fields show it: VS Code's keybinding label.
import { css } from 'lit';

export const kbdStyles = css`
  kbd { font-family: var(--vscode-editor-font-family, monospace); padding: 0 3px; border: 1px solid var(--vscode-keybindingLabel-border, var(--vscode-descriptionForeground)); border-radius: 3px; background: var(--vscode-keybindingLabel-background); color: var(--vscode-keybindingLabel-foreground); }
`;

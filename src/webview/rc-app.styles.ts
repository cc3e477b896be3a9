// The app shell's styles: the page's rows (header, filters, selection bar, records, footer) and the records'
// columns (list, image, captions, or grid and captions), in VS Code's theme variables.
import { css } from 'lit';

export const rcAppStyles = css`
  :host { display: grid; grid-template-rows: auto auto auto 1fr auto; height: 100vh; color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  main { display: grid; grid-template-columns: minmax(220px, 320px) 1fr minmax(300px, 420px); min-height: 0; }
  main.grid { grid-template-columns: 1fr minmax(300px, 420px); }
  rc-grid { min-height: 0; }
  rc-list { border-right: 1px solid var(--vscode-panel-border, transparent); min-height: 0; }
  rc-image { min-height: 0; }
`;

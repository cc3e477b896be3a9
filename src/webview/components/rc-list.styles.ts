// <rc-list>'s styles: VS Code's list colours, one badge colour per review state.
import { css } from 'lit';

export const ROW_HEIGHT = 56;

export const rcListStyles = css`
  .row { position: absolute; left: 0; right: 0; height: ${ROW_HEIGHT}px; box-sizing: border-box; display: flex; align-items: center; gap: 8px; padding: 4px 8px; cursor: pointer; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); }
  .row:hover { background: var(--vscode-list-hoverBackground); }
  .row.multi { background: var(--vscode-list-inactiveSelectionBackground); box-shadow: inset 3px 0 0 var(--vscode-focusBorder); }
  .row.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground); }
  :host(:focus-within) .row.selected, :host(:focus) .row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
  .thumb { width: 48px; height: 48px; flex: none; display: flex; align-items: center; justify-content: center; background: var(--vscode-editorWidget-background); }
  .thumb img { max-width: 48px; max-height: 48px; }
  .text { min-width: 0; flex: 1; display: flex; flex-direction: column; }
  .name, .snippet { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .snippet { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
  .badge { flex: none; font-size: 10px; padding: 1px 6px; border-radius: 8px; border: 1px solid var(--vscode-contrastBorder, transparent); }
  .badge.uncaptioned { color: var(--vscode-descriptionForeground); background: var(--vscode-editorWidget-background); }
  .badge.machine { color: var(--vscode-badge-foreground); background: var(--vscode-badge-background); }
  .badge.edited { color: var(--vscode-editor-background); background: var(--vscode-charts-blue); }
  .badge.approved { color: var(--vscode-editor-background); background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .badge.rejected { color: var(--vscode-editor-background); background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .badge.error { color: var(--vscode-inputValidation-errorForeground, var(--vscode-foreground)); background: var(--vscode-inputValidation-errorBackground); }
`;

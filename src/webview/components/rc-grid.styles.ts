// <rc-grid>'s styles: tiles on the editor widget's background, a dot per review state.
import { css } from 'lit';

/** Height of a tile's caption line under the image. */
export const LABEL_HEIGHT = 34;

export const rcGridStyles = css`
  .tile { position: absolute; box-sizing: border-box; display: flex; flex-direction: column; gap: 2px; padding: 3px; cursor: pointer; border: 1px solid var(--vscode-editorGroup-border, transparent); border-radius: 3px; background: var(--vscode-editorWidget-background); }
  .tile:hover { background: var(--vscode-list-hoverBackground); }
  .tile.multi { background: var(--vscode-list-inactiveSelectionBackground); border-color: var(--vscode-list-focusOutline, var(--vscode-focusBorder)); }
  .tile.current { outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
  .image { flex: 1; min-height: 0; display: flex; align-items: center; justify-content: center; overflow: hidden; }
  .image img { max-width: 100%; max-height: 100%; }
  .label { display: flex; align-items: center; gap: 4px; height: ${LABEL_HEIGHT - 6}px; font-size: 11px; min-width: 0; }
  .name { flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: var(--vscode-descriptionForeground); }
  .state { flex: none; width: 8px; height: 8px; border-radius: 4px; background: var(--vscode-badge-background); }
  .state.approved { background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .state.rejected { background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .state.edited { background: var(--vscode-charts-blue); }
  .state.uncaptioned { background: transparent; border: 1px solid var(--vscode-descriptionForeground); }
  .state.error { background: var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); }
  .score { flex: none; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground); }
`;

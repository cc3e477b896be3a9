// <rc-caption-field>'s styles: the review chip in the testing colours, the text area as VS Code's inputs.
import { css } from 'lit';

export const rcCaptionFieldStyles = css`
  :host { display: block; }
  .review { font-weight: normal; font-size: 0.85em; padding: 0 6px; border-radius: 8px; }
  .review.approved { color: var(--vscode-editor-background); background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .review.rejected { color: var(--vscode-editor-background); background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
  .review.none { color: var(--vscode-descriptionForeground); border: 1px solid var(--vscode-descriptionForeground); }
  textarea { width: 100%; box-sizing: border-box; resize: vertical; font-family: var(--vscode-editor-font-family, var(--vscode-font-family)); font-size: var(--vscode-font-size); color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); padding: 4px 6px; }
  textarea:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
  textarea.ssc { min-height: 4em; }
  textarea.dsc { min-height: 10em; }
  .original { white-space: pre-wrap; padding: 4px 6px; margin-top: 4px; color: var(--vscode-descriptionForeground); background: var(--vscode-diffEditor-removedTextBackground, var(--vscode-textBlockQuote-background)); }
  .buttons { display: flex; gap: 6px; margin-top: 4px; }
`;

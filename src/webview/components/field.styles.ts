// The detail pane's fields (file, alt-text, the captions): a bold label with quieter metadata beside it.
import { css } from 'lit';

export const fieldStyles = css`
  .field label { display: flex; align-items: baseline; gap: 6px; font-weight: 600; }
  .field .meta { font-weight: normal; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
`;

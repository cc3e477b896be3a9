// The editor app's styles: VS Code's theme variables (with fallbacks where a theme may lack one).
import { css } from 'lit';

export const appStyles = css`
    :host { display: grid; grid-template-rows: auto auto auto 1fr auto; height: 100vh; color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 6px 8px; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    header .title { font-weight: 600; margin-right: 8px; }
    header .counts { color: var(--vscode-descriptionForeground); margin-left: auto; }
    .filters { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 4px 8px; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
    .filters vscode-textfield { width: 200px; }
    .filters vscode-single-select { width: 140px; }
    .filters .len { width: 90px; }
    main { display: grid; grid-template-columns: minmax(220px, 320px) 1fr minmax(300px, 420px); min-height: 0; }
    main.grid { grid-template-columns: 1fr minmax(300px, 420px); }
    rc-grid { min-height: 0; }
    .bulk { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 4px 8px; background: var(--vscode-editorWidget-background); border-bottom: 1px solid var(--vscode-focusBorder); }
    .bulk .count { font-weight: 600; margin-right: 6px; }
    .tile-size { width: 120px; }
    rc-list { border-right: 1px solid var(--vscode-panel-border, transparent); min-height: 0; }
    rc-image { min-height: 0; }
    .fields { display: flex; flex-direction: column; gap: 10px; padding: 8px; overflow-y: auto; border-left: 1px solid var(--vscode-panel-border, transparent); }
    .field label { display: flex; align-items: baseline; gap: 6px; font-weight: 600; }
    .field .meta { font-weight: normal; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
    .field .review { font-weight: normal; font-size: 0.85em; padding: 0 6px; border-radius: 8px; }
    .review.approved { color: var(--vscode-editor-background); background: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
    .review.rejected { color: var(--vscode-editor-background); background: var(--vscode-testing-iconFailed, var(--vscode-charts-red)); }
    .review.none { color: var(--vscode-descriptionForeground); border: 1px solid var(--vscode-descriptionForeground); }
    textarea { width: 100%; box-sizing: border-box; resize: vertical; font-family: var(--vscode-editor-font-family, var(--vscode-font-family)); font-size: var(--vscode-font-size); color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); padding: 4px 6px; }
    textarea:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
    textarea.ssc { min-height: 4em; }
    textarea.dsc { min-height: 10em; }
    .alt { white-space: pre-wrap; padding: 4px 6px; background: var(--vscode-textBlockQuote-background); border-left: 3px solid var(--vscode-textBlockQuote-border); }
    .original { white-space: pre-wrap; padding: 4px 6px; margin-top: 4px; color: var(--vscode-descriptionForeground); background: var(--vscode-diffEditor-removedTextBackground, var(--vscode-textBlockQuote-background)); }
    .buttons { display: flex; gap: 6px; margin-top: 4px; }
    .error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
    .empty { padding: 16px; color: var(--vscode-descriptionForeground); }
    footer { display: flex; flex-wrap: wrap; gap: 4px 12px; padding: 3px 8px; font-size: 0.85em; color: var(--vscode-descriptionForeground); border-top: 1px solid var(--vscode-panel-border, transparent); }
    kbd { font-family: var(--vscode-editor-font-family, monospace); padding: 0 3px; border: 1px solid var(--vscode-keybindingLabel-border, var(--vscode-descriptionForeground)); border-radius: 3px; background: var(--vscode-keybindingLabel-background); color: var(--vscode-keybindingLabel-foreground); }
    .notice { padding: 2px 8px; }
    .notice.error { color: var(--vscode-errorForeground); }
    .notice.warning { color: var(--vscode-editorWarning-foreground); }
    .help { position: absolute; right: 16px; top: 48px; z-index: 10; max-height: 80vh; overflow: auto; padding: 8px 12px; background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-editorWidget-border, var(--vscode-contrastBorder)); box-shadow: 0 2px 8px var(--vscode-widget-shadow); }
    .help table { border-collapse: collapse; }
    .help td { padding: 2px 8px; }
  `;

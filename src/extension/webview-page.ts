// The HTML page every webview of the extension is: a Content-Security-Policy that allows only what the page
// names (its nonce'd stylesheet and, where it has one, its nonce'd script), one stylesheet, and the body.
// No vscode import, so the pages built on it are unit-tested as strings.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface WebviewPage {
  /** The CSP's directives, e.g. "default-src 'none'"; `style-src` must allow `nonce` for the stylesheet to apply. */
  csp: readonly string[];
  nonce: string;
  /** Plain text (escaped here). */
  title: string;
  /** The one stylesheet's CSS. */
  style: string;
  /** The body's HTML, already escaped where it holds text. */
  body: string;
}

export function webviewPage(page: WebviewPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${page.csp.join('; ')}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style nonce="${page.nonce}">
${page.style}
</style>
</head>
<body>
${page.body}
</body>
</html>`;
}

// The webview's HTML shell: a strict CSP (nothing but our nonce'd script and images/styles from the
// webview's resource roots) and the bundled Lit app.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { webviewPage } from '../webview-page.js';

export function editorHtml(webview: vscode.Webview, dist: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
  return webviewPage({
    csp: [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      // Lit adopts constructable stylesheets, which CSP does not cover; the nonce covers the one <style>.
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ],
    nonce,
    title: 'Caption editor',
    style: 'html, body { margin: 0; padding: 0; height: 100%; overflow: hidden; }',
    body: `<rc-app></rc-app>\n<script type="module" nonce="${nonce}" src="${script}"></script>`,
  });
}

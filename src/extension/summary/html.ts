/** The webviews' HTML (the summary panel, the image viewer): strict CSP, the bundled script by nonce, the bundled stylesheet. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** Only the bundle folder is reachable from the webview. */
export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist')];
}

export function summaryHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewPage(webview, extensionUri, { script: 'webview.js', style: 'webview.css', title: 'DICOM Summary' });
}

/**
 * A webview page of ours: strict CSP (the bundled script by nonce, the bundled stylesheet, nothing
 * else), the stylesheet and script from dist/, an empty `<main id="app">`. `title` is escaped.
 */
export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; style: string; title: string }): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', page.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', page.style));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  const title = page.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style.toString()}">
  <title>${title}</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
}

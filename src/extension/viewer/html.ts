/**
 * The image viewer webview's HTML: the same strict CSP as the summary panel (src/extension/summary/html.ts).
 * Decoding runs in the extension host, so the webview needs no 'wasm-unsafe-eval'; the image is drawn
 * on a canvas from the stored values it is sent, and styles are set through the CSSOM (no inline styles).
 */
import type * as vscode from 'vscode';
import { webviewPage } from '../summary/html';

export function viewerHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  return webviewPage(webview, extensionUri, { script: 'viewer.js', style: 'viewer.css', title });
}

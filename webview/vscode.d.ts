/** The API VS Code injects into a webview. */
interface VsCodeWebviewApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState<T extends S>(state: T): T;
}
declare function acquireVsCodeApi<S = unknown>(): VsCodeWebviewApi<S>;

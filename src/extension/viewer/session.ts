/**
 * One viewer webview's host side, for the series viewer and the .dcm editor alike: answers `ready`
 * with what is shown (`open`), and `load` by decoding the slices asked for, one at a time, most
 * wanted first; a newer `load` replaces the queue (a fast scroll skips what it passed). Nothing is
 * kept here but the queue: the webview holds the decoded slices it shows, in a bounded cache.
 */
import * as vscode from 'vscode';
import {
  isViewerWebviewMessage,
  VIEWER_PROTOCOL_VERSION,
  type ViewerHostMessage,
  type ViewerOpen,
  type ViewerShown,
} from '../../shared/viewerMessages';
import { readSlice } from './slicePixels';
import { viewerHtml } from './html';

/** What a viewer shows: the `open` message and where each slice's pixels are. */
export interface SliceSource {
  readonly open: ViewerOpen;
  /** The absolute path and frame of slice `index`. */
  fileOf(index: number): { file: string; frame: number } | undefined;
  /** What identifies slice `index` across a re-index (the series viewer: file id and frame). */
  keyOf?(index: number): string | undefined;
}

type Outgoing = ViewerHostMessage extends infer M ? (M extends { v: number } ? Omit<M, 'v'> : never) : never;

/** What the integration tests read of a session. */
export interface ViewerTestInfo {
  viewType: string;
  title: string;
  open: Omit<ViewerOpen, 'tags'> & { tags: number };
  /** Sent messages: `slice:N`, `sliceError:N: reason`, `open`. */
  sent: string[];
  received: string[];
  shown: ViewerShown | undefined;
  /** Host time per decoded slice (ms). */
  decodeMs: number[];
}

export class ViewerSession implements vscode.Disposable {
  private queue: number[] = [];
  private pumping = false;
  private disposed = false;
  private readonly subs: vscode.Disposable[] = [];
  private readonly sent: string[] = [];
  private readonly received: string[] = [];
  private readonly decodeMs: number[] = [];
  private shown: ViewerShown | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private source: SliceSource,
    extensionUri: vscode.Uri,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
    panel.webview.html = viewerHtml(panel.webview, extensionUri, panel.title);
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The slice the webview shows (as it last said), or undefined before it has said. */
  get shownIndex(): number | undefined {
    return this.shown?.index;
  }

  /** The source shown (the series viewer compares it with the index after a change). */
  get current(): SliceSource {
    return this.source;
  }

  /** Shows another source in the same panel (the webview is told with a new `open`). */
  replace(source: SliceSource): void {
    this.source = source;
    this.queue = [];
    this.post({ type: 'open', ...source.open });
  }

  private onMessage(m: unknown): void {
    const type = String((m as { type?: unknown } | null)?.type);
    this.received.push(type);
    if (this.received.length > 200) this.received.splice(0, 100);
    if (!isViewerWebviewMessage(m)) return;
    switch (m.type) {
      case 'ready':
        this.queue = [];
        this.post({ type: 'open', ...this.source.open });
        break;
      case 'load':
        this.queue = m.indexes.filter((i) => i < this.source.open.slices.length);
        void this.pump();
        break;
      case 'shown':
        this.shown = m.state;
        break;
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.disposed && this.queue.length) {
        const index = this.queue.shift()!;
        const source = this.source;
        const where = source.fileOf(index);
        if (!where) {
          if (index < source.open.slices.length) await this.post({ type: 'sliceError', index, reason: "the index's path of this file leads outside the workspace folder: not read" });
          continue;
        }
        const r = await readSlice(where.file, where.frame, index);
        if (this.disposed) break;
        // Shown something else meanwhile (replace: a re-index changed the series): this slice's index
        // means another image in the new list, and must not be sent as it.
        if (this.source !== source) continue;
        if (r.ok) {
          this.decodeMs.push(r.pixels.ms);
          if (this.decodeMs.length > 500) this.decodeMs.splice(0, 250);
          await this.post({ type: 'slice', ...r.pixels });
        } else await this.post({ type: 'sliceError', index, reason: r.reason });
      }
    } finally {
      this.pumping = false;
    }
  }

  private post(m: Outgoing): Thenable<boolean> {
    this.sent.push(m.type === 'slice' ? `slice:${m.index}` : m.type === 'sliceError' ? `sliceError:${m.index}: ${m.reason}` : m.type);
    if (this.sent.length > 400) this.sent.splice(0, 200);
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage({ ...m, v: VIEWER_PROTOCOL_VERSION });
  }

  testInfo(): ViewerTestInfo {
    const { tags, ...open } = this.source.open;
    return { viewType: this.panel.viewType, title: this.panel.title, open: { ...open, tags: tags.length }, sent: [...this.sent], received: [...this.received], shown: this.shown, decodeMs: [...this.decodeMs] };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.queue = [];
    this.subs.forEach((d) => d.dispose());
    onDispose.fire(this);
  }
}

const onDispose = new vscode.EventEmitter<ViewerSession>();
/** Fires when any session's panel closes. */
export const onDidDisposeSession = onDispose.event;

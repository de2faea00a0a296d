/**
 * What activate() returns: the extension's own API, used by the integration tests to check the
 * tree, the tooltips and the index "through the extension" (and usable by other extensions).
 */
import type * as vscode from 'vscode';
import type { FolderRunResult, IndexService, RunOptions } from './contracts';
import type { Log } from './log';
import type { TreeElement } from './tree/elements';

export interface DicomApi {
  readonly service: IndexService;
  readonly tree: {
    getChildren(el?: TreeElement): Promise<TreeElement[]>;
    getTreeItem(el: TreeElement): vscode.TreeItem;
    getParent(el: TreeElement): TreeElement | undefined;
    /** The hover's tooltip, as resolveTreeItem builds it. */
    resolveTooltip(el: TreeElement): Promise<vscode.MarkdownString | string | undefined>;
    reveal(el: TreeElement, opts?: { select?: boolean; focus?: boolean; expand?: boolean | number }): Promise<void>;
  };
  /** Index Workspace (incremental); `interactive` shows the notification with Cancel. */
  indexAll(opts?: RunOptions): Promise<FolderRunResult[]>;
  /** Rebuild Index. */
  rebuild(opts?: RunOptions): Promise<FolderRunResult[]>;
  /** Cancels the running index run. */
  cancel(): void;
  /** Resolves when the watcher has handed over what it collected and no run is going or queued. */
  waitIdle(): Promise<void>;
  /** Turns the file watcher on or off (tests build fixtures with it off). */
  setWatching(on: boolean): void;
  readonly statusText: string;
  /** What the view shows around the tree: its description (the totals line) and its message. */
  readonly view: { readonly description: string | undefined; readonly message: string | undefined };
  /** The context keys the extension set (welcome content, menus, walkthrough), by key. */
  readonly contextKeys: Readonly<Record<string, boolean>>;
  readonly log: Log;
}

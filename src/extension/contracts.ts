/**
 * The seams between the extension's parts, so that the index service, the tree, and the summary
 * panel can be written and tested apart. The service owns the databases; the tree and the panel
 * only read through it.
 */
import type * as vscode from 'vscode';
import type { IndexDatabase } from '../core/db/database';

export interface FolderIndex {
  readonly folder: vscode.WorkspaceFolder;
  /** Absolute path of this folder's database file. */
  readonly dbPath: string;
}

export interface IndexService {
  /** One entry per workspace folder (multi-root: one database each). */
  folders(): FolderIndex[];
  /**
   * Runs `fn` with the folder's open database (kept in memory by the service), or returns
   * undefined when the folder has no index yet. Never hold on to `idx` after `fn` returns.
   */
  withDatabase<T>(folder: vscode.WorkspaceFolder, fn: (idx: IndexDatabase) => T | Promise<T>): Promise<T | undefined>;
  /** Fires after a folder's index changed (index run, watcher batch, rebuild). */
  readonly onDidChangeIndex: vscode.Event<vscode.WorkspaceFolder>;
  /** True while an index run is going. */
  readonly isIndexing: boolean;
}

/** What the summary panel asks of the rest of the extension. */
export interface SummaryHost {
  readonly service: IndexService;
  /** Reveal a series (by SeriesInstanceUID) or the Problems node in the tree view. */
  revealSeries(folder: vscode.WorkspaceFolder, seriesInstanceUid: string): Promise<void>;
  revealProblems(folder: vscode.WorkspaceFolder): Promise<void>;
  /** The same flows as the Export commands: save dialog, progress, notification. */
  exportCsv(folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined>;
  exportXlsx(folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined>;
}

/**
 * The seams between the extension's parts, so that the index service, the tree, the status bar,
 * the watcher, the commands and the summary panel can be written and tested apart. The service
 * owns the databases and the index runs; everything else reads and asks through this interface.
 */
import type * as vscode from 'vscode';
import type { IndexSource } from '../core/store/source';
import type { IndexProgress, IndexResult } from '../core/indexer';
import type { SettingSource } from './settings';

export interface FolderIndex {
  readonly folder: vscode.WorkspaceFolder;
  /** Absolute path of this folder's database file. */
  readonly dbPath: string;
}

/**
 * What a folder's index is: there (a database file, or its first run is going), not made yet, not
 * made because a run found no DICOM files, or refused: its database path names something the tool
 * did not write (see DatabaseRefusal), so nothing is indexed until the setting changes.
 */
export type IndexState = 'indexed' | 'notIndexed' | 'noDicom' | 'refused';

/** A refused database path: which path, the core's sentence, and the setting that named it. */
export interface DatabaseRefusal {
  readonly folder: vscode.WorkspaceFolder;
  /** The refused path, absolute. */
  readonly path: string;
  /** A full sentence saying what is there and that nothing was changed. */
  readonly message: string;
  readonly source: SettingSource;
}

/** An incremental run, a rebuild, or a watcher batch (some paths of a folder). */
export type RunKind = 'index' | 'rebuild' | 'paths';

export interface FolderRunResult {
  folder: vscode.WorkspaceFolder;
  result?: IndexResult;
  /** Another process holds the index lock. */
  busy?: boolean;
  /** The folder's database path is refused: nothing was read or written. */
  refused?: boolean;
  error?: string;
}

export interface RunProgress {
  folder: vscode.WorkspaceFolder;
  kind: RunKind;
  phase: IndexProgress['phase'];
  done: number;
  total: number;
}

export interface RunOptions {
  /** A notification with progress and Cancel (commands); otherwise only the status bar. */
  interactive?: boolean;
  /** Only these folders (default: every workspace folder). */
  folders?: readonly vscode.WorkspaceFolder[];
}

export interface IndexService {
  // ---- reading ------------------------------------------------------------------------------------
  /** One entry per workspace folder (multi-root: one database each). */
  folders(): FolderIndex[];
  /** Does the folder have an index (a database file, or its first run is going)? */
  hasIndex(folder: vscode.WorkspaceFolder): boolean;
  indexState(folder: vscode.WorkspaceFolder): IndexState;
  /** Why the folder's database path is refused (state 'refused'), else undefined. */
  refusal(folder: vscode.WorkspaceFolder): DatabaseRefusal | undefined;
  /** Absolute path of the folder's database file (from the settings). */
  dbPath(folder: vscode.WorkspaceFolder): string;
  /**
   * Runs `fn` with the folder's index (the open SQLite file kept in memory by the service, or the
   * shared PostgreSQL index's store), or returns undefined when the folder has no index yet. Never
   * hold on to `idx` after `fn` returns.
   */
  withDatabase<T>(folder: vscode.WorkspaceFolder, fn: (idx: IndexSource) => T | Promise<T>): Promise<T | undefined>;
  /** The shared index's URL (without password) when the folder uses one (dicom.index.database), else undefined. */
  sharedIndex(folder: vscode.WorkspaceFolder): string | undefined;
  /** Fires after a folder's index changed (index run, watcher batch, rebuild, the file changed on disk). */
  readonly onDidChangeIndex: vscode.Event<vscode.WorkspaceFolder>;

  // ---- runs ---------------------------------------------------------------------------------------
  /** True while an index run is going. */
  readonly isIndexing: boolean;
  /** Fires when isIndexing changes (a run starts, the last queued run ends), with the new value. */
  readonly onDidChangeIndexing: vscode.Event<boolean>;
  /** Progress of the current run; undefined when a run ends. */
  readonly onDidProgress: vscode.Event<RunProgress | undefined>;
  /** The last progress of the current run (undefined between runs). */
  readonly lastProgress: RunProgress | undefined;
  /** Incremental index of every folder (or `opts.folders`): joins a run of the same kind if one is going or queued. */
  indexAll(opts?: RunOptions): Promise<FolderRunResult[]>;
  /** Throws the databases away and indexes from scratch (queued after a running run). */
  rebuild(opts?: RunOptions): Promise<FolderRunResult[]>;
  /** Re-reads these relative paths of a folder (the watcher): merged into one queued batch. */
  /** `gone`: deleted paths that may have been folders: the run names the indexed files at or under them. */
  indexPaths(folder: vscode.WorkspaceFolder, relPaths: Iterable<string>, gone?: Iterable<string>): Promise<FolderRunResult[]>;
  /** Cancels the running run (the index keeps what was read); queued runs still run. */
  cancel(): void;
  /** Resolves when no run is going or queued. */
  waitIdle(): Promise<void>;

  /** Warnings and errors shown to the user, oldest first (the integration tests read them). */
  readonly shownWarnings: readonly string[];
  readonly shownErrors: readonly string[];
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

/**
 * The folders' databases: one FolderState per workspace folder with its settings and its open
 * IndexDatabase (kept in memory, read by the tree, the status bar and the summary panel; the index
 * runs write the file on a thread of their own), opened on first use, read again after a run's saves,
 * watched on disk, and dropped when the folder is removed.
 *
 * When the database file changes underneath (the CLI indexed the folder, the file was deleted or
 * damaged) or the settings move it, the in-memory copy is forgotten (one reload path) and the
 * index "changes": the next use opens the file again from disk.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { DatabaseRefusedError, IndexDatabase } from '../core/db/database';
import type { IndexSource } from '../core/store/source';
import { PostgresStoreError } from '../core/store/postgresStore';
import { SharedIndex } from './sharedIndex';
import type { DatabaseRefusal, IndexState } from './contracts';
import { errorText, Log } from './log';
import { databasePathSource, folderSettings, FolderSettings } from './settings';

/** What a database file looks like on disk (inode, size, mtime), to notice it changed underneath. */
export function fileKey(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class FolderState {
  settings: FolderSettings;
  db: IndexDatabase | undefined;
  /** What the database file looked like when we last read or wrote it. */
  diskKey = '';
  /** An index run is writing `db`. */
  running = false;
  /** withDatabase calls in progress (an export): the database is not swapped under them. */
  readers = 0;
  opening: Promise<IndexDatabase | undefined> | undefined;
  dbWatcher: vscode.Disposable | undefined;
  /** The core refused the database path: nothing is opened or written until the setting changes. */
  refusal: DatabaseRefusal | undefined;
  /** The last run found nothing to index, so no index was written. */
  noDicom = false;
  /** The shared PostgreSQL index the settings name instead of the file (dicom.index.database). */
  shared: SharedIndex | undefined;

  constructor(readonly folder: vscode.WorkspaceFolder) {
    this.settings = folderSettings(folder);
  }

  /** Closes the in-memory copy and forgets what the file looked like: the next use reads the file again. */
  forget(): void {
    try {
      this.db?.close();
    } catch {
      /* already closed */
    }
    this.db = undefined;
    this.diskKey = '';
  }

  /** The file was written, replaced or deleted by someone else since we last read or wrote it. */
  get changedOnDisk(): boolean {
    return fileKey(this.settings.dbPath) !== this.diskKey;
  }

  /** Nobody is using `db`: it may be forgotten and reopened (a run writes the file, never `db`). */
  get idle(): boolean {
    return !this.opening && this.readers === 0;
  }
}

const key = (f: vscode.WorkspaceFolder) => f.uri.toString();

export interface FolderDatabaseEvents {
  /** A folder's index changed (reloaded, moved, added, refused). */
  changed(folder: vscode.WorkspaceFolder): void;
  /** A warning for the user (a database kept aside and rebuilt). */
  warn(message: string): void;
  /** The core refused the folder's database path (once per attempt). */
  refused(r: DatabaseRefusal): void;
  /** The settings moved the database path of a folder whose path was refused: it may be tried again. */
  unrefused(folder: vscode.WorkspaceFolder): void;
}

export class FolderDatabases implements vscode.Disposable {
  private readonly states = new Map<string, FolderState>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly log: Log,
    private readonly events: FolderDatabaseEvents,
    private readonly secrets: vscode.SecretStorage,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.drop(f);
        for (const f of e.added) this.events.changed(f);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const st of this.states.values()) {
          if (!e.affectsConfiguration('dicom', st.folder.uri)) continue;
          const next = folderSettings(st.folder);
          const moved = next.dbPath !== st.settings.dbPath || next.postgresUrl !== st.settings.postgresUrl;
          st.settings = next;
          if (moved && !st.running) this.useShared(st);
          if (moved && !st.running) {
            const wasRefused = !!st.refusal;
            st.refusal = undefined;
            st.noDicom = false;
            this.watchDbFile(st);
            this.reload(st, 'database path changed');
            if (wasRefused) this.events.unrefused(st.folder);
          }
        }
      }),
    );
  }

  /** The folder's state, made (and its database file watched) on first use. */
  state(folder: vscode.WorkspaceFolder): FolderState {
    let st = this.states.get(key(folder));
    if (!st) {
      st = new FolderState(folder);
      this.states.set(key(folder), st);
      this.watchDbFile(st);
      this.useShared(st);
    }
    return st;
  }

  /** Runs `fn` with the folder's open database (not swapped while `fn` runs); undefined when the folder has no index. */
  async use<T>(folder: vscode.WorkspaceFolder, fn: (idx: IndexSource) => T | Promise<T>): Promise<T | undefined> {
    const st = this.state(folder);
    if (st.shared) return this.readShared(st, st.shared, fn);
    const db = await this.open(st, false);
    if (!db) return undefined;
    st.readers++;
    try {
      return await fn(db);
    } finally {
      st.readers--;
      // A save that landed while the copy was in use: read it again now.
      if (st.idle && st.db && st.changedOnDisk) this.reload(st, 'the database file was saved while it was read; reading it again');
    }
  }

  /** Does the folder have an index (a database file, or its first run is going)? */
  hasIndex(folder: vscode.WorkspaceFolder): boolean {
    return this.indexState(folder) === 'indexed';
  }

  refusal(folder: vscode.WorkspaceFolder): DatabaseRefusal | undefined {
    return this.state(folder).refusal;
  }

  indexState(folder: vscode.WorkspaceFolder): IndexState {
    const st = this.state(folder);
    if (st.shared) return st.running || st.shared.known?.state === 'indexed' ? 'indexed' : 'notIndexed';
    if (st.refusal) return 'refused';
    if (st.running || fs.existsSync(st.settings.dbPath)) return 'indexed';
    return st.noDicom ? 'noDicom' : 'notIndexed';
  }

  /**
   * The folder's open database: opened from disk when needed, reopened when the file changed
   * underneath. Without `create`, a folder without a database file has none (undefined). A refused
   * path gives none, without looking at it again, unless `retry` (the user asked for a run).
   */
  async open(st: FolderState, create: boolean, retry = false): Promise<IndexDatabase | undefined> {
    if (st.refusal) {
      if (!retry || st.running) return undefined;
      st.refusal = undefined;
    }
    if (st.db && st.readers === 0 && st.changedOnDisk) this.reload(st, 'the database file changed on disk; reloading it');
    if (st.db) return st.db;
    if (st.opening) {
      await st.opening;
      if (st.db || !create) return st.db;
    }
    if (!create && !fs.existsSync(st.settings.dbPath)) return undefined;
    const dbPath = st.settings.dbPath;
    st.opening = (async () => {
      const t0 = Date.now();
      // What the file looked like before it was read: a save landing while it is read makes the copy stale, and so it is read again.
      const before = fileKey(dbPath);
      try {
        const db = await IndexDatabase.open(dbPath, { dataRoot: st.folder.uri.fsPath });
        for (const w of db.takeWarnings()) this.events.warn(`DICOM (${st.folder.name}): ${w}`);
        if (dbPath !== st.settings.dbPath) {
          db.close();
          return undefined;
        }
        st.db = db;
        st.diskKey = before;
        // Saved again while it was read: the next look reads it again (told now, so there is one).
        if (st.changedOnDisk) queueMicrotask(() => this.events.changed(st.folder));
        this.log.info(`${st.folder.name}: database opened in ${Date.now() - t0} ms`);
        return db;
      } catch (e) {
        if (e instanceof DatabaseRefusedError) {
          // The log names no path inside the workspace: the notification has it.
          this.log.error(`${st.folder.name}: the index database path is refused: it ${e.reason}`);
          if (dbPath === st.settings.dbPath) {
            st.refusal = { folder: st.folder, path: e.path, message: e.message, source: databasePathSource(st.folder) };
            this.events.refused(st.refusal);
            queueMicrotask(() => this.events.changed(st.folder));
          }
          return undefined;
        }
        this.log.error(`${st.folder.name}: the database could not be opened: ${errorText(e)}`);
        return undefined;
      } finally {
        st.opening = undefined;
      }
    })();
    return st.opening;
  }

  /**
   * A shared index (PostgreSQL) instead of the file: the folder's data root is this workspace folder
   * (the index's paths are relative to it); the files may not be on this machine. Returns whether it is one.
   */
  private useShared(st: FolderState): boolean {
    const url = st.settings.postgresUrl;
    if (st.shared?.url === url) return !!url;
    void st.shared?.close();
    st.shared = url ? new SharedIndex(url, this.secrets) : undefined;
    if (st.shared) {
      const shared = st.shared;
      // Look now, so the tree and the welcome view know whether there is an index to show.
      void shared.open().then((r) => {
        if (r.state === 'failed') this.log.error(`${st.folder.name}: the shared index ${shared.display} cannot be used: ${r.message}`);
        else this.log.info(`${st.folder.name}: shared index ${shared.display} (${r.state === 'indexed' ? 'an index' : 'no index yet'})`);
        this.events.changed(st.folder);
      });
    }
    return !!url;
  }

  private async readShared<T>(st: FolderState, shared: SharedIndex, fn: (idx: IndexSource) => T | Promise<T>): Promise<T | undefined> {
    const r = await shared.open();
    if (r.state !== 'indexed') return undefined;
    st.readers++;
    try {
      return await fn({ store: r.store, root: st.folder.uri.fsPath });
    } catch (e) {
      if (!(e instanceof PostgresStoreError)) throw e;
      // The connection broke (server down, the setting changed meanwhile): no index to show now; the
      // next use connects again. Said once per connection, not once per tree node.
      if (st.shared === shared && shared.known?.state === 'indexed') {
        this.events.warn(`DICOM (${st.folder.name}): the shared index ${shared.display} cannot be read: ${e.message}`);
        await shared.close();
        queueMicrotask(() => this.events.changed(st.folder));
      }
      this.log.error(`${st.folder.name}: the shared index ${shared.display}: ${e.message}`);
      return undefined;
    } finally {
      st.readers--;
    }
  }

  /** Forgets the in-memory copy (the file changed underneath, or the settings moved it) and says the index changed. */
  reload(st: FolderState, why: string): void {
    this.log.info(`${st.folder.name}: ${why}`);
    st.forget();
    queueMicrotask(() => this.events.changed(st.folder));
  }

  /**
   * This window's index run (on its own thread) saved the file: the in-memory copy is read again,
   * now if nobody is using it, otherwise when its use or its opening ends (the file changed on disk).
   */
  readAgain(st: FolderState, why: string): void {
    if (st.idle) this.reload(st, why);
  }

  /** Reload when the database file is written by someone else (the CLI), deleted or replaced. */
  private watchDbFile(st: FolderState): void {
    st.dbWatcher?.dispose();
    const file = vscode.Uri.file(st.settings.dbPath);
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(file, '..'), '*.sqlite'));
    let timer: NodeJS.Timeout | undefined;
    const onEvent = (uri: vscode.Uri) => {
      if (uri.fsPath !== st.settings.dbPath) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (st.idle && st.changedOnDisk) this.reload(st, 'the database file changed on disk; reloading it');
      }, 300);
    };
    st.dbWatcher = vscode.Disposable.from(w, w.onDidChange(onEvent), w.onDidCreate(onEvent), w.onDidDelete(onEvent), { dispose: () => clearTimeout(timer) });
  }

  /** A folder left the workspace: stop watching its file and close its database (unless a run still writes it). */
  private drop(folder: vscode.WorkspaceFolder): void {
    const st = this.states.get(key(folder));
    if (!st) return;
    this.release(st);
    this.states.delete(key(folder));
  }

  private release(st: FolderState): void {
    st.dbWatcher?.dispose();
    void st.shared?.close();
    if (!st.running) st.forget();
  }

  dispose(): void {
    for (const st of this.states.values()) this.release(st);
    this.states.clear();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

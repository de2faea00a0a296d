/**
 * The index service: one open IndexDatabase per workspace folder (kept in memory, shared by the
 * tree, the status bar, the summary panel and the index runs), and one queue of index runs.
 *
 * - Runs never race: a run asked for while one is going joins it (same kind, same folders) or is
 *   queued after it; watcher batches are merged into one queued batch.
 * - The core takes a lock file beside the database, so a CLI run on the same folder is reported
 *   as busy instead of being raced.
 * - When the database file changes underneath (the CLI indexed the folder, the file was deleted or
 *   damaged), the in-memory copy is dropped and opened again from disk, and the index "changes".
 * - Interactive runs show a notification with the file count and a Cancel button; cancelling
 *   aborts the core run, which commits and saves what was read (a consistent, usable index).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { IndexDatabase } from '../core/db/database';
import { indexFolder, IndexProgress, IndexResult } from '../core/indexer';
import { IndexBusyError } from '../core/lock';
import type { FolderIndex, IndexService } from './contracts';
import { errorText, Log } from './log';
import { folderSettings, FolderSettings } from './settings';

export type RunKind = 'index' | 'rebuild' | 'paths';

export interface FolderRunResult {
  folder: vscode.WorkspaceFolder;
  result?: IndexResult;
  /** Another process holds the index lock. */
  busy?: boolean;
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

interface Job {
  kind: RunKind;
  folders: vscode.WorkspaceFolder[];
  /** kind 'paths': relative paths per folder key. */
  paths: Map<string, Set<string>>;
  interactive: boolean;
  promise: Promise<FolderRunResult[]>;
  resolve: (r: FolderRunResult[]) => void;
  abort: AbortController;
  started: boolean;
}

class FolderState {
  settings: FolderSettings;
  db: IndexDatabase | undefined;
  /** What the database file looked like when we last read or wrote it. */
  diskKey = '';
  running = false;
  /** withDatabase calls in progress (an export): the database is not swapped under them. */
  readers = 0;
  opening: Promise<IndexDatabase | undefined> | undefined;
  dbWatcher: vscode.Disposable | undefined;
  constructor(readonly folder: vscode.WorkspaceFolder) {
    this.settings = folderSettings(folder);
  }
  close(): void {
    try {
      this.db?.close();
    } catch {
      /* already closed */
    }
    this.db = undefined;
  }
}

const key = (f: vscode.WorkspaceFolder) => f.uri.toString();

export function fileKey(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class IndexServiceImpl implements IndexService, vscode.Disposable {
  private readonly states = new Map<string, FolderState>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  private readonly progressEmitter = new vscode.EventEmitter<RunProgress | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter, this.progressEmitter];
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  /** Warnings shown to the user (the integration tests read them). */
  readonly shownWarnings: string[] = [];

  readonly onDidChangeIndex = this.changeEmitter.event;
  /** Progress of the current run; undefined when a run ends. */
  readonly onDidProgress = this.progressEmitter.event;
  lastProgress: RunProgress | undefined;

  constructor(private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.dropFolder(f);
        for (const f of e.added) this.changeEmitter.fire(f);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const st of this.states.values()) {
          if (!e.affectsConfiguration('dicom', st.folder.uri)) continue;
          const next = folderSettings(st.folder);
          const moved = next.dbPath !== st.settings.dbPath;
          st.settings = next;
          if (moved && !st.running) {
            this.log.info(`${st.folder.name}: database path changed`);
            st.close();
            st.diskKey = '';
            this.watchDbFile(st);
            this.changeEmitter.fire(st.folder);
          }
        }
      }),
    );
  }

  // ---- IndexService ------------------------------------------------------------------------------

  folders(): FolderIndex[] {
    return (vscode.workspace.workspaceFolders ?? []).map((folder) => ({ folder, dbPath: this.state(folder).settings.dbPath }));
  }

  get isIndexing(): boolean {
    return this.current !== undefined;
  }

  async withDatabase<T>(folder: vscode.WorkspaceFolder, fn: (idx: IndexDatabase) => T | Promise<T>): Promise<T | undefined> {
    const st = this.state(folder);
    const db = await this.ensureOpen(st, false);
    if (!db) return undefined;
    st.readers++;
    try {
      return await fn(db);
    } finally {
      st.readers--;
    }
  }

  // ---- runs --------------------------------------------------------------------------------------

  /** Incremental index of every folder (or `opts.folders`): joins a run of the same kind if one is going or queued. */
  indexAll(opts: RunOptions = {}): Promise<FolderRunResult[]> {
    return this.schedule('index', opts);
  }

  /** Throws the databases away and indexes from scratch (queued after a running run). */
  rebuild(opts: RunOptions = {}): Promise<FolderRunResult[]> {
    return this.schedule('rebuild', opts);
  }

  /** Re-reads these relative paths of a folder (the watcher): merged into one queued batch. */
  indexPaths(folder: vscode.WorkspaceFolder, relPaths: Iterable<string>): Promise<FolderRunResult[]> {
    const k = key(folder);
    // A full run that has not started yet will see these files anyway.
    const queuedFull = this.queue.find((j) => j.kind !== 'paths' && j.folders.some((f) => key(f) === k));
    if (queuedFull) return queuedFull.promise;
    let job = this.queue.find((j) => j.kind === 'paths');
    if (!job) {
      job = this.newJob('paths', [], false);
      this.queue.push(job);
    }
    if (!job.folders.some((f) => key(f) === k)) job.folders.push(folder);
    const set = job.paths.get(k) ?? new Set<string>();
    for (const p of relPaths) set.add(p);
    job.paths.set(k, set);
    void this.pump();
    return job.promise;
  }

  /** Cancels the running run (the index keeps what was read); queued runs still run. */
  cancel(): void {
    this.current?.abort.abort();
  }

  /** Resolves when no run is going or queued. */
  waitIdle(): Promise<void> {
    if (!this.current && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(kind: 'index' | 'rebuild', opts: RunOptions): Promise<FolderRunResult[]> {
    const folders = [...(opts.folders ?? vscode.workspace.workspaceFolders ?? [])];
    const covers = (j: Job) => j.kind === kind && folders.every((f) => j.folders.some((g) => key(g) === key(f)));
    // Join: the same kind going (not cancelled) or queued, over at least these folders.
    if (kind === 'index' && this.current && covers(this.current) && !this.current.abort.signal.aborted) {
      this.log.info('index run requested while one is going: joining it');
      if (opts.interactive && !this.current.interactive) this.showProgressOf(this.current);
      return this.current.promise;
    }
    const queued = this.queue.find(covers);
    if (queued) {
      queued.interactive ||= !!opts.interactive;
      return queued.promise;
    }
    if (this.current) this.log.info(`${kind} run queued after the current run`);
    const job = this.newJob(kind, folders, !!opts.interactive);
    this.queue.push(job);
    void this.pump();
    return job.promise;
  }

  /** A background run (startup, watcher) that the user now asked for: give it a notification with Cancel. */
  private showProgressOf(job: Job): void {
    job.interactive = true;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'DICOM: Indexing', cancellable: true }, (progress, token) => {
      const cancel = token.onCancellationRequested(() => job.abort.abort());
      const sub = this.onDidProgress((p) => {
        if (p?.phase === 'read') progress.report({ message: `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} files` });
        else if (p?.phase === 'scan') progress.report({ message: `scanning, ${p.done.toLocaleString('en-US')} files found` });
      });
      return job.promise.finally(() => {
        cancel.dispose();
        sub.dispose();
      });
    });
  }

  private newJob(kind: RunKind, folders: vscode.WorkspaceFolder[], interactive: boolean): Job {
    let resolve!: (r: FolderRunResult[]) => void;
    const promise = new Promise<FolderRunResult[]>((r) => (resolve = r));
    return { kind, folders, paths: new Map(), interactive, promise, resolve, abort: new AbortController(), started: false };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Let callers in the same tick merge into the queued job first.
      await new Promise((r) => setTimeout(r, 0));
      while (this.queue.length) {
        const job = this.queue.shift()!;
        job.started = true;
        this.current = job;
        let results: FolderRunResult[] = [];
        try {
          results = await this.runJob(job);
        } catch (e) {
          this.log.error(`${job.kind} run failed: ${errorText(e)}`);
        } finally {
          this.current = undefined;
          this.lastProgress = undefined;
          this.progressEmitter.fire(undefined);
        }
        job.resolve(results);
      }
    } finally {
      this.pumping = false;
      if (!this.current && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      else void this.pump();
    }
  }

  private async runJob(job: Job): Promise<FolderRunResult[]> {
    const results: FolderRunResult[] = [];
    const runAll = async (report: (message: string, increment?: number) => void) => {
      for (const folder of job.folders) {
        if (job.abort.signal.aborted) break;
        if (!(vscode.workspace.workspaceFolders ?? []).some((f) => key(f) === key(folder))) continue;
        const only = job.kind === 'paths' ? [...(job.paths.get(key(folder)) ?? [])] : undefined;
        const prefix = job.folders.length > 1 ? `${folder.name}: ` : '';
        let lastFraction = 0;
        results.push(
          await this.runFolder(folder, job.kind, only, job.abort.signal, (p) => {
            this.lastProgress = p;
            this.progressEmitter.fire(p);
            if (p.phase === 'scan') report(`${prefix}scanning, ${p.done.toLocaleString('en-US')} files found`);
            else if (p.phase === 'read') {
              const fraction = p.total ? p.done / p.total : 0;
              report(`${prefix}${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} files`, Math.max(0, (fraction - lastFraction) * 100) / job.folders.length);
              lastFraction = fraction;
            } else report(`${prefix}saving`);
          }),
        );
      }
    };
    if (!job.interactive) {
      await runAll(() => undefined);
    } else {
      const title = job.kind === 'rebuild' ? 'DICOM: Rebuilding the index' : 'DICOM: Indexing';
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const sub = token.onCancellationRequested(() => job.abort.abort());
        try {
          await runAll((message, increment) => progress.report({ message, increment }));
        } finally {
          sub.dispose();
        }
      });
    }
    this.reportResults(job, results);
    return results;
  }

  private async runFolder(
    folder: vscode.WorkspaceFolder,
    kind: RunKind,
    only: string[] | undefined,
    signal: AbortSignal,
    onProgress: (p: RunProgress) => void,
  ): Promise<FolderRunResult> {
    const st = this.state(folder);
    st.settings = folderSettings(folder);
    const s = st.settings;
    let db: IndexDatabase | undefined;
    try {
      if (kind === 'rebuild' && !st.db) {
        st.db = await IndexDatabase.open(s.dbPath, { rebuild: true, dataRoot: folder.uri.fsPath });
        st.diskKey = fileKey(s.dbPath);
      }
      db = await this.ensureOpen(st, true);
      if (!db) throw new Error('the index database could not be opened');
    } catch (e) {
      this.log.error(`${folder.name}: ${errorText(e)}`);
      return { folder, error: errorText(e) };
    }
    if (kind === 'paths' && only && only.length === 0) return { folder };
    st.running = true;
    const t0 = Date.now();
    let lastRefresh = Date.now();
    try {
      const result = await indexFolder(folder.uri.fsPath, {
        dbPath: s.dbPath,
        include: s.include,
        exclude: s.exclude,
        sniffExtensionless: s.sniffExtensionless,
        pixelStats: s.pixelStats,
        storePatientIdentity: s.storePatientIdentity,
        rebuild: kind === 'rebuild',
        only,
        signal,
        database: db,
        log: (m) => this.log.info(`${folder.name}: ${m}`),
        onProgress: (p) => {
          onProgress({ folder, kind, ...p });
          // Let the tree grow during a long run (the rows committed so far are in `db`).
          if (Date.now() - lastRefresh > 3000) {
            lastRefresh = Date.now();
            this.changeEmitter.fire(folder);
          }
        },
      });
      const c = result.counts;
      this.log.info(
        `${folder.name}: ${kind} ${result.cancelled ? 'cancelled' : 'done'} in ${Date.now() - t0} ms: ${result.candidates} candidates, ${result.read} read ` +
          `(${c.ok} ok, ${c.partial} partial, ${c.error} error, ${c.not_dicom} not DICOM), ${result.unchanged} unchanged, ${result.removed} removed`,
      );
      return { folder, result };
    } catch (e) {
      if (e instanceof IndexBusyError) {
        this.log.warn(`${folder.name}: index busy (process ${e.holder.pid}${e.holder.host ? ` on ${e.holder.host}` : ''})`);
        // Nothing was written; a database opened only for this rebuild is not the one on disk.
        if (kind === 'rebuild') {
          st.close();
          st.diskKey = '';
        }
        return { folder, busy: true, error: errorText(e) };
      }
      this.log.error(`${folder.name}: ${kind} failed: ${errorText(e)}`);
      // The in-memory copy may hold half a transaction: read the file again next time.
      st.close();
      st.diskKey = '';
      return { folder, error: errorText(e) };
    } finally {
      st.running = false;
      if (st.db) st.diskKey = fileKey(s.dbPath);
      this.changeEmitter.fire(folder);
    }
  }

  private reportResults(job: Job, results: FolderRunResult[]): void {
    for (const r of results) {
      for (const w of r.result?.warnings ?? []) this.warn(`DICOM (${r.folder.name}): ${w}`);
    }
    const busy = results.filter((r) => r.busy);
    if (busy.length) {
      if (job.kind === 'paths') {
        // The CLI (or another window) is indexing: try these files again a little later.
        setTimeout(() => {
          for (const r of busy) void this.indexPaths(r.folder, job.paths.get(key(r.folder)) ?? []);
        }, 10_000);
      } else if (job.interactive) {
        void vscode.window.showWarningMessage(
          `DICOM: another index run (the dicom-index CLI or another window) is using the index of ${busy.map((r) => r.folder.name).join(', ')}. Try again when it has finished.`,
        );
      }
    }
    const failed = results.filter((r) => r.error && !r.busy);
    if (failed.length && job.kind !== 'paths') {
      void vscode.window.showErrorMessage(`DICOM: indexing ${failed.map((r) => r.folder.name).join(', ')} failed: ${failed[0].error}`);
    }
    if (!job.interactive) return;
    const done = results.filter((r) => r.result);
    const files = done.reduce((n, r) => n + (r.result!.counts.ok + r.result!.counts.partial), 0);
    if (done.some((r) => r.result!.cancelled) || (job.abort.signal.aborted && done.length < job.folders.length)) {
      void vscode.window.showInformationMessage(
        'DICOM: indexing cancelled. The index keeps the files read so far and is usable; run "Index Workspace" again to finish.',
      );
    } else if (done.length) {
      const problems = done.reduce((n, r) => n + r.result!.counts.error + r.result!.counts.not_dicom + r.result!.counts.partial, 0);
      const secs = (Math.max(...done.map((r) => r.result!.durationMs)) / 1000).toFixed(1);
      vscode.window.setStatusBarMessage(`DICOM: ${files.toLocaleString('en-US')} files read in ${secs} s${problems ? `, ${problems} with problems` : ''}`, 8000);
    }
  }

  // ---- databases ---------------------------------------------------------------------------------

  private state(folder: vscode.WorkspaceFolder): FolderState {
    let st = this.states.get(key(folder));
    if (!st) {
      st = new FolderState(folder);
      this.states.set(key(folder), st);
      this.watchDbFile(st);
    }
    return st;
  }

  /** The folder's open database: opened from disk when needed, reopened when the file changed underneath. */
  private async ensureOpen(st: FolderState, create: boolean): Promise<IndexDatabase | undefined> {
    if (st.db && !st.running && st.readers === 0 && fileKey(st.settings.dbPath) !== st.diskKey) {
      this.log.info(`${st.folder.name}: the database file changed on disk; reloading it`);
      st.close();
      queueMicrotask(() => this.changeEmitter.fire(st.folder));
    }
    if (st.db) return st.db;
    if (st.opening) {
      await st.opening;
      if (st.db || !create) return st.db;
    }
    if (!create && !fs.existsSync(st.settings.dbPath)) return undefined;
    const dbPath = st.settings.dbPath;
    st.opening = (async () => {
      const t0 = Date.now();
      try {
        const db = await IndexDatabase.open(dbPath, { dataRoot: st.folder.uri.fsPath });
        for (const w of db.takeWarnings()) this.warn(`DICOM (${st.folder.name}): ${w}`);
        if (dbPath !== st.settings.dbPath) {
          db.close();
          return undefined;
        }
        st.db = db;
        st.diskKey = fileKey(dbPath);
        this.log.info(`${st.folder.name}: database opened in ${Date.now() - t0} ms`);
        return db;
      } catch (e) {
        this.log.error(`${st.folder.name}: the database could not be opened: ${errorText(e)}`);
        return undefined;
      } finally {
        st.opening = undefined;
      }
    })();
    return st.opening;
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
        if (st.running || st.opening || st.readers > 0) return;
        const now = fileKey(st.settings.dbPath);
        if (now === st.diskKey) return;
        if (st.db) {
          this.log.info(`${st.folder.name}: the database file changed on disk; reloading it`);
          st.close();
        }
        st.diskKey = '';
        this.changeEmitter.fire(st.folder);
      }, 300);
    };
    st.dbWatcher = vscode.Disposable.from(w, w.onDidChange(onEvent), w.onDidCreate(onEvent), w.onDidDelete(onEvent), { dispose: () => clearTimeout(timer) });
  }

  private dropFolder(folder: vscode.WorkspaceFolder): void {
    const st = this.states.get(key(folder));
    if (!st) return;
    st.dbWatcher?.dispose();
    if (!st.running) st.close();
    this.states.delete(key(folder));
  }

  private warn(message: string): void {
    this.shownWarnings.push(message);
    this.log.warn(message);
    void vscode.window.showWarningMessage(message);
  }

  /** Does the folder have an index (a database file, or its first run is going)? */
  hasIndex(folder: vscode.WorkspaceFolder): boolean {
    const st = this.state(folder);
    return st.running || fs.existsSync(st.settings.dbPath);
  }

  dbPath(folder: vscode.WorkspaceFolder): string {
    return this.state(folder).settings.dbPath;
  }

  dispose(): void {
    this.cancel();
    for (const j of this.queue) j.abort.abort();
    for (const st of this.states.values()) {
      st.dbWatcher?.dispose();
      if (!st.running) st.close();
    }
    this.states.clear();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

/**
 * The index service: one open IndexDatabase per workspace folder (kept in memory, read by the tree,
 * the status bar and the summary panel), and one queue of index runs, each on a thread of its own
 * (src/core/run/indexThread.ts) so that a big run never stalls the extension host.
 *
 * - Runs never race: a run asked for while one is going joins it (same kind, same folders) or is
 *   queued after it; watcher batches are merged into one queued batch.
 * - The core takes a lock file beside the database, so a CLI run on the same folder is reported
 *   as busy instead of being raced.
 * - The databases' lifecycle (open, reload when the file changes underneath, drop) is
 *   folderDatabases.ts; this module runs the index runs over them.
 * - Interactive runs show a notification with the file count and a Cancel button; cancelling
 *   aborts the core run, which commits and saves what was read (a consistent, usable index).
 */
import * as vscode from 'vscode';
import type { IndexDatabase } from '../core/db/database';
import type { IndexSource } from '../core/store/source';
import { indexInThread, SAVE_EVERY_MS_WITH_READER } from '../core/run/indexThread';
import type { FolderState } from './folderDatabases';
import type { SharedIndex } from './sharedIndex';
import type { IndexProgress, IndexResult } from '../core/indexer';
import { progressFraction, progressText } from '../core/progressText';
import { IndexBusyError } from '../core/lock';
import type { DatabaseRefusal, FolderIndex, FolderRunResult, IndexService, IndexState, RunKind, RunOptions, RunProgress } from './contracts';
import { refusalText, showRefusal } from './databasePathSetting';
import { FolderDatabases } from './folderDatabases';
import { errorText, Log } from './log';
import { folderSettings } from './settings';
import { formatCount } from '../shared/format';

interface Job {
  kind: RunKind;
  folders: vscode.WorkspaceFolder[];
  /** kind 'paths': relative paths per folder key, and the deleted ones that may have been folders. */
  paths: Map<string, Set<string>>;
  gone: Map<string, Set<string>>;
  interactive: boolean;
  promise: Promise<FolderRunResult[]>;
  resolve: (r: FolderRunResult[]) => void;
  abort: AbortController;
  started: boolean;
}

const key = (f: vscode.WorkspaceFolder) => f.uri.toString();

export class IndexServiceImpl implements IndexService, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  private readonly progressEmitter = new vscode.EventEmitter<RunProgress | undefined>();
  private readonly indexingEmitter = new vscode.EventEmitter<boolean>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter, this.progressEmitter, this.indexingEmitter];
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  /** Warnings and errors shown to the user (the integration tests read them). */
  readonly shownWarnings: string[] = [];
  readonly shownErrors: string[] = [];

  readonly onDidChangeIndex = this.changeEmitter.event;
  readonly onDidProgress = this.progressEmitter.event;
  readonly onDidChangeIndexing = this.indexingEmitter.event;
  lastProgress: RunProgress | undefined;

  private readonly databases: FolderDatabases;

  constructor(
    private readonly log: Log,
    secrets: vscode.SecretStorage,
  ) {
    this.databases = new FolderDatabases(log, {
      changed: (f) => this.changeEmitter.fire(f),
      warn: (m) => this.warn(m),
      refused: (r) => {
        this.shownErrors.push(refusalText(r));
        showRefusal(r);
      },
      // The setting that named a refused path changed: try the folder again.
      unrefused: (f) => void this.indexAll({ folders: [f] }),
    }, secrets);
    this.disposables.push(this.databases);
  }

  // ---- IndexService ------------------------------------------------------------------------------

  folders(): FolderIndex[] {
    return (vscode.workspace.workspaceFolders ?? []).map((folder) => ({ folder, dbPath: this.databases.state(folder).settings.dbPath }));
  }

  get isIndexing(): boolean {
    return this.current !== undefined;
  }

  withDatabase<T>(folder: vscode.WorkspaceFolder, fn: (idx: IndexSource) => T | Promise<T>): Promise<T | undefined> {
    return this.databases.use(folder, fn);
  }

  sharedIndex(folder: vscode.WorkspaceFolder): string | undefined {
    return this.databases.state(folder).shared?.display;
  }

  hasIndex(folder: vscode.WorkspaceFolder): boolean {
    return this.databases.hasIndex(folder);
  }

  indexState(folder: vscode.WorkspaceFolder): IndexState {
    return this.databases.indexState(folder);
  }

  refusal(folder: vscode.WorkspaceFolder): DatabaseRefusal | undefined {
    return this.databases.refusal(folder);
  }

  dbPath(folder: vscode.WorkspaceFolder): string {
    const st = this.databases.state(folder);
    return st.shared?.display ?? st.settings.dbPath;
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

  /**
   * Re-reads these relative paths of a folder (the watcher), and the indexed files at or under the
   * `gone` ones (deleted paths that may have been folders): merged into one queued batch.
   */
  indexPaths(folder: vscode.WorkspaceFolder, relPaths: Iterable<string>, gone: Iterable<string> = []): Promise<FolderRunResult[]> {
    // A refused database path: no batch at all until the setting changes.
    if (this.databases.refusal(folder)) return Promise.resolve([{ folder, refused: true }]);
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
    const goneSet = job.gone.get(k) ?? new Set<string>();
    for (const p of gone) goneSet.add(p);
    job.gone.set(k, goneSet);
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
        if (p) progress.report({ message: progressText(p) });
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
    return { kind, folders, paths: new Map(), gone: new Map(), interactive, promise, resolve, abort: new AbortController(), started: false };
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
        this.setCurrent(job);
        let results: FolderRunResult[] = [];
        try {
          results = await this.runJob(job);
        } catch (e) {
          this.log.error(`${job.kind} run failed: ${errorText(e)}`);
        } finally {
          this.setCurrent(undefined);
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

  /** The running job: isIndexing follows it, and onDidChangeIndexing fires when that changes. */
  private setCurrent(job: Job | undefined): void {
    const was = this.isIndexing;
    this.current = job;
    if (this.isIndexing !== was) this.indexingEmitter.fire(this.isIndexing);
  }

  private async runJob(job: Job): Promise<FolderRunResult[]> {
    const results: FolderRunResult[] = [];
    const runAll = async (report: (message: string, increment?: number) => void) => {
      for (const folder of job.folders) {
        if (job.abort.signal.aborted) break;
        if (!(vscode.workspace.workspaceFolders ?? []).some((f) => key(f) === key(folder))) continue;
        // A path known to be refused is tried again only when the user asks (a command).
        const refusal = this.databases.refusal(folder);
        if (refusal && !job.interactive) {
          results.push({ folder, refused: true, error: refusal.message });
          continue;
        }
        const only = job.kind === 'paths' ? [...(job.paths.get(key(folder)) ?? [])] : undefined;
        const gone = job.kind === 'paths' ? [...(job.gone.get(key(folder)) ?? [])] : undefined;
        const prefix = job.folders.length > 1 ? `${folder.name}: ` : '';
        let lastFraction = 0;
        results.push(
          await this.runFolder(folder, job.kind, only, gone, job.abort.signal, job.interactive, (p) => {
            this.lastProgress = p;
            this.progressEmitter.fire(p);
            const fraction = progressFraction(p);
            report(`${prefix}${progressText(p)}`, Math.max(0, (fraction - lastFraction) * 100) / job.folders.length);
            lastFraction = Math.max(lastFraction, fraction);
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
    gone: string[] | undefined,
    signal: AbortSignal,
    interactive: boolean,
    onProgress: (p: RunProgress) => void,
  ): Promise<FolderRunResult> {
    const st = this.databases.state(folder);
    st.settings = folderSettings(folder);
    const s = st.settings;
    if (st.shared) return this.runShared(st, st.shared, kind, signal, onProgress);
    let db: IndexDatabase | undefined;
    try {
      // The core decides what the path holds (ours, damaged, not ours) and the indexer resets it for a rebuild.
      db = await this.databases.open(st, true, interactive);
      if (!db && st.refusal) return { folder, refused: true, error: st.refusal.message };
      if (!db) throw new Error('the index database could not be opened');
    } catch (e) {
      this.log.error(`${folder.name}: ${errorText(e)}`);
      return { folder, error: errorText(e) };
    }
    if (kind === 'paths' && only && only.length === 0 && !gone?.length) return { folder };
    st.running = true;
    const t0 = Date.now();
    try {
      // On a thread of its own: sql.js, its saves and the writes stay off the extension host's event
      // loop. The tree reads this window's copy meanwhile, and the file again after each save.
      const result = await indexInThread(
        {
          store: 'sqlite',
          root: folder.uri.fsPath,
          options: {
            dbPath: s.dbPath,
            include: s.include,
            exclude: s.exclude,
            sniffExtensionless: s.sniffExtensionless,
            pixelStats: s.pixelStats,
            storePatientIdentity: s.storePatientIdentity,
            jobs: s.jobs,
            rebuild: kind === 'rebuild',
            only,
            gone,
            // The tree shows what a long run has saved: every 10 s (the CLI's runs save every 30 s).
            saveEveryMs: SAVE_EVERY_MS_WITH_READER,
          },
        },
        { signal, ...this.runHooks(folder, kind, onProgress), onSaved: () => this.databases.readAgain(st, 'saved by the index run') },
      );
      this.logRun(folder, kind, '', result, t0);
      if (!result.written) {
        // Nothing to index and no index yet: the core wrote none, so keep no empty copy either.
        st.forget();
        st.noDicom = true;
      } else st.noDicom = false;
      return { folder, result };
    } catch (e) {
      if (e instanceof IndexBusyError) {
        this.log.warn(`${folder.name}: index busy (process ${e.holder.pid}${e.holder.host ? ` on ${e.holder.host}` : ''})`);
        // Nothing was written: the lock is taken before a rebuild resets the database.
        return { folder, busy: true, error: errorText(e) };
      }
      this.log.error(`${folder.name}: ${kind} failed: ${errorText(e)}`);
      return { folder, error: errorText(e) };
    } finally {
      st.running = false;
      // What the run saved is read again on the next look (now, or when an export using this copy ends).
      if (st.db && st.changedOnDisk) this.databases.readAgain(st, 'the index run ended');
      this.changeEmitter.fire(folder);
    }
  }

  /** A run's log and progress (the tree grows at each save of the run, and at each 3 s of a shared index's). */
  private runHooks(folder: vscode.WorkspaceFolder, kind: RunKind, onProgress: (p: RunProgress) => void, refreshEveryMs?: number) {
    let lastRefresh = Date.now();
    return {
      log: (m: string) => this.log.info(`${folder.name}: ${m}`),
      onProgress: (p: IndexProgress) => {
        onProgress({ folder, kind, ...p });
        if (refreshEveryMs !== undefined && Date.now() - lastRefresh > refreshEveryMs) {
          lastRefresh = Date.now();
          this.changeEmitter.fire(folder);
        }
      },
    };
  }

  private logRun(folder: vscode.WorkspaceFolder, kind: RunKind, where: string, result: IndexResult, t0: number): void {
    const c = result.counts;
    this.log.info(
      `${folder.name}: ${kind}${where} ${result.cancelled ? 'cancelled' : 'done'} in ${Date.now() - t0} ms: ${result.candidates} candidates, ${result.read} read ` +
        `(${c.ok} ok, ${c.partial} partial, ${c.error} error, ${c.not_dicom} not DICOM), ${result.unchanged} unchanged, ${result.removed} removed`,
    );
  }

  /**
   * An index run into the folder's shared PostgreSQL index: incremental, as the CLI's (a watcher's
   * batch or a rebuild also runs it whole: the server's index is shared, so this window never drops it).
   */
  private async runShared(st: FolderState, shared: SharedIndex, kind: RunKind, signal: AbortSignal, onProgress: (p: RunProgress) => void): Promise<FolderRunResult> {
    const folder = st.folder;
    const s = st.settings;
    const opened = await shared.open();
    if (opened.state === 'failed') {
      this.log.error(`${folder.name}: the shared index ${shared.display}: ${opened.message}`);
      return { folder, error: opened.message };
    }
    st.running = true;
    const t0 = Date.now();
    try {
      const result = await indexInThread(
        {
          store: 'postgresql',
          root: folder.uri.fsPath,
          url: await shared.connectionUrl(),
          options: { include: s.include, exclude: s.exclude, sniffExtensionless: s.sniffExtensionless, storePatientIdentity: s.storePatientIdentity, jobs: s.jobs },
        },
        { signal, ...this.runHooks(folder, kind, onProgress, 3000) },
      );
      this.logRun(folder, kind, ` into ${shared.display}`, result, t0);
      return { folder, result };
    } catch (e) {
      this.log.error(`${folder.name}: ${kind} into ${shared.display} failed: ${errorText(e)}`);
      await shared.close();
      return { folder, error: errorText(e) };
    } finally {
      st.running = false;
      // The schema may hold an index now: look again before the tree asks.
      await shared.open().catch(() => undefined);
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
          for (const r of busy) void this.indexPaths(r.folder, job.paths.get(key(r.folder)) ?? [], job.gone.get(key(r.folder)) ?? []);
        }, 10_000);
      } else if (job.interactive) {
        void vscode.window.showWarningMessage(
          `DICOM: another index run (the dicom-index CLI or another window) is using the index of ${busy.map((r) => r.folder.name).join(', ')}. Try again when it has finished.`,
        );
      }
    }
    // A refused path has had its own error (with the setting that named it).
    const failed = results.filter((r) => r.error && !r.busy && !r.refused);
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
      const read = done.reduce((n, r) => n + r.result!.read, 0);
      const unchanged = done.reduce((n, r) => n + r.result!.unchanged, 0);
      const secs = (Math.max(...done.map((r) => r.result!.durationMs)) / 1000).toFixed(1);
      const message = done.every((r) => !r.result!.written)
        ? 'DICOM: no DICOM files found'
        : read === 0 && !done.some((r) => r.result!.removed)
          ? `DICOM: up to date: ${formatCount(unchanged)} files unchanged`
          : `DICOM: ${formatCount(files)} files read in ${secs} s${problems ? `, ${problems} with problems` : ''}`;
      vscode.window.setStatusBarMessage(message, 8000);
    }
  }

  /** When each warning was last shown: the same one within a minute is logged, not shown again. */
  private readonly warnedAt = new Map<string, number>();

  private warn(message: string): void {
    // The window's own open and the run's thread may both find an outdated index and say so.
    const last = this.warnedAt.get(message);
    this.warnedAt.set(message, Date.now());
    if (last !== undefined && Date.now() - last < 60_000) {
      this.log.info(`(shown a moment ago) ${message}`);
      return;
    }
    this.shownWarnings.push(message);
    this.log.warn(message);
    void vscode.window.showWarningMessage(message);
  }

  dispose(): void {
    this.cancel();
    for (const j of this.queue) j.abort.abort();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

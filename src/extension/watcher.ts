/**
 * Keeps the index current: a FileSystemWatcher per workspace folder collects created, changed and
 * deleted candidate files, and after a quiet moment (debounced, so a burst of 1,000 new files is one
 * batch) hands them to the index service, which re-reads just those. A new folder (copied or moved
 * in) triggers an incremental run of the whole workspace folder instead, since the watcher may
 * report only the folder itself. A deleted folder forgets the indexed files under it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IndexService } from './contracts';
import type { Log } from './log';
import { folderSettings } from './settings';
import { ALWAYS_SKIP_DIRS, fileFilter } from '../core/scan/scanner';
// The batching policy of dicom-index watch too (one owner).
import { PendingChanges } from '../core/watch/changes';

interface Pending {
  folder: vscode.WorkspaceFolder;
  changes: PendingChanges;
}

interface FolderWatch {
  folder: vscode.WorkspaceFolder;
  isCandidate: (rel: string, abs: string) => boolean;
  indexDir: string;
  disposable: vscode.Disposable;
}

export class IndexWatcher implements vscode.Disposable {
  private readonly watches = new Map<string, FolderWatch>();
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private enabled = true;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly service: IndexService,
    private readonly log: Log,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.sync()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dicom.index')) this.sync(true);
      }),
    );
    this.sync();
  }

  /** Tests switch the watcher off while they build fixtures. Events while off are dropped. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    if (!on) {
      this.pending.clear();
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Resolves once collected events have been handed over and the resulting runs are done. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
        await this.flush();
      }
      if (this.flushing) await this.flushing;
      await this.service.waitIdle();
      if (!this.timer && !this.flushing) return;
    }
  }

  private sync(recreate = false): void {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const wanted = new Set(folders.map((f) => f.uri.toString()));
    for (const [k, w] of this.watches) {
      if (!wanted.has(k) || recreate) {
        w.disposable.dispose();
        this.watches.delete(k);
      }
    }
    for (const folder of folders) {
      const k = folder.uri.toString();
      if (this.watches.has(k)) continue;
      const s = folderSettings(folder);
      if (!s.watch || folder.uri.scheme !== 'file') continue;
      const indexDir = path.relative(folder.uri.fsPath, path.dirname(s.dbPath)).split(path.sep).join('/');
      const isCandidate = fileFilter({ include: s.include, exclude: s.exclude, sniffExtensionless: s.sniffExtensionless });
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
      const watch: FolderWatch = { folder, isCandidate, indexDir, disposable: w };
      watch.disposable = vscode.Disposable.from(
        w,
        w.onDidCreate((u) => this.onEvent(watch, u, 'created')),
        w.onDidChange((u) => this.onEvent(watch, u, 'changed')),
        w.onDidDelete((u) => this.onEvent(watch, u, 'deleted')),
      );
      this.watches.set(k, watch);
    }
  }

  private onEvent(w: FolderWatch, uri: vscode.Uri, kind: 'created' | 'changed' | 'deleted'): void {
    if (!this.enabled) return;
    const rel = path.relative(w.folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
    if (!rel || rel.startsWith('../') || rel === '..') return;
    const parts = rel.split('/');
    if (parts.some((p) => ALWAYS_SKIP_DIRS.has(p))) return;
    if (w.indexDir && (rel === w.indexDir || rel.startsWith(w.indexDir + '/'))) return;
    const p = this.pendingFor(w.folder).changes;
    if (kind === 'deleted') {
      p.noteDeleted(rel);
    } else {
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(uri.fsPath);
      } catch {
        return; // gone again already: its delete event follows
      }
      if (st.isDirectory()) {
        // A folder copied or moved in: the watcher may report only the folder itself.
        if (kind === 'created') p.requestFull(Date.now(), false);
        else return;
      } else if (st.isFile()) {
        if (!w.isCandidate(rel, uri.fsPath)) return;
        p.note(rel);
      } else return;
    }
    this.arm();
  }

  private pendingFor(folder: vscode.WorkspaceFolder): Pending {
    const k = folder.uri.toString();
    let p = this.pending.get(k);
    if (!p) {
      p = { folder, changes: new PendingChanges() };
      this.pending.set(k, p);
    }
    return p;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    const wait = Math.min(...[...this.pending.values()].map((p) => p.changes.dueIn(now) ?? Infinity));
    if (wait === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  private flush(): Promise<void> {
    const run = async () => {
      if (this.flushing) await this.flushing.catch(() => undefined);
      const batches = [...this.pending.values()];
      this.pending.clear();
      for (const p of batches) {
        // A refused database path: nothing is indexed there until the setting changes.
        if (this.service.indexState(p.folder) === 'refused') continue;
        const b = p.changes.take();
        if (b.full) {
          this.log.info(`${p.folder.name}: watcher: folder added or large change: incremental run`);
          void this.service.indexAll({ folders: [p.folder] });
          continue;
        }
        if (!b.paths.length && !b.gone.length) continue;
        const gone = b.gone.length;
        this.log.info(`${p.folder.name}: watcher: ${b.paths.length} added, changed or deleted, ${gone} deleted folder${gone === 1 ? '' : 's'} or other paths`);
        // The run names the indexed files under the gone paths, as it finds the index.
        void this.service.indexPaths(p.folder, b.paths, b.gone);
      }
    };
    const f = run().finally(() => {
      if (this.flushing === f) this.flushing = undefined;
    });
    this.flushing = f;
    return f;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const w of this.watches.values()) w.disposable.dispose();
    this.watches.clear();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}


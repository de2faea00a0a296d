/**
 * The extension's entry: wires the index service (databases, runs), the tree view, the watcher,
 * the status bar, the commands and the summary panel, then indexes on startup as the settings say.
 * Returns the DicomApi (the integration tests use it).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DicomApi } from './api';
import { contextKeyValues, trackContextKeys } from './contextKeys';
import type { IndexService } from './contracts';
import { registerDatabasePathCommands } from './databasePathSetting';
import { registerExportCommands } from './commands/exportCommands';
import { registerIndexCommands } from './commands/indexCommands';
import { registerShowTags } from './commands/showTags';
import { registerRevealSeries } from './commands/revealSeries';
import { registerTreeActions } from './commands/treeActions';
import { IndexServiceImpl } from './indexService';
import { createLog } from './log';
import { folderSettings } from './settings';
import { IndexStatusBar } from './statusBar';
import { registerSummaryPanel } from './summary/panel';
import { ExtensionSummaryHost } from './summaryHost';
import type { TreeElement } from './tree/elements';
import { DicomTreeProvider } from './tree/provider';
import { trackViewState } from './tree/viewState';
import { IndexWatcher } from './watcher';
import { registerDcmEditor } from './viewer/dcmEditor';
import { registerSeriesViewer } from './viewer/seriesViewer';

export function activate(context: vscode.ExtensionContext): DicomApi {
  const t0 = Date.now();
  const log = createLog();
  const service = new IndexServiceImpl(log, context.secrets);
  const tree = new DicomTreeProvider(service);
  const view = vscode.window.createTreeView<TreeElement>('dicom.index', { treeDataProvider: tree, showCollapseAll: true });
  const watcher = new IndexWatcher(service, log);
  const status = new IndexStatusBar(service);
  const host = new ExtensionSummaryHost(service, tree, view, log);

  context.subscriptions.push(
    log,
    service,
    tree,
    view,
    watcher,
    status,
    registerSummaryPanel(context, host),
    registerIndexCommands(service),
    registerExportCommands(service, log),
    registerShowTags(),
    registerTreeActions(view),
    registerRevealSeries(tree, view),
    registerDatabasePathCommands(),
    registerSeriesViewer(context, service, view),
    registerDcmEditor(context),
    trackViewState(service, view),
    trackContextKeys(service),
  );

  log.info(`activated in ${Date.now() - t0} ms; ${(vscode.workspace.workspaceFolders ?? []).length} workspace folder(s)`);
  indexOnStartup(service);

  return {
    service,
    tree: {
      getChildren: (el) => tree.getChildren(el),
      getTreeItem: (el) => tree.getTreeItem(el),
      getParent: (el) => tree.getParent(el),
      resolveTooltip: (el) => tree.resolveTooltip(el),
      reveal: async (el, opts) => view.reveal(el, opts),
    },
    indexAll: (opts) => service.indexAll(opts),
    rebuild: (opts) => service.rebuild(opts),
    cancel: () => service.cancel(),
    waitIdle: () => watcher.settled(),
    setWatching: (on) => watcher.setEnabled(on),
    get statusText() {
      return status.text;
    },
    contextKeys: contextKeyValues,
    view: {
      get description() {
        return view.description;
      },
      get message() {
        return view.message;
      },
    },
    log,
  };
}

export function deactivate(): void {
  /* context.subscriptions dispose everything; a running index run is cancelled and saves what it read */
}

/** `dicom.index.onStartup`: always, or if the folder has an index already (default), or never. */
function indexOnStartup(service: IndexService): void {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => {
    if (f.uri.scheme !== 'file') return false;
    const s = folderSettings(f);
    // ifIndexed: something is at the database path (a refused one is reported by the run).
    return s.onStartup === 'always' || (s.onStartup === 'ifIndexed' && fs.existsSync(s.dbPath));
  });
  if (folders.length) void service.indexAll({ folders });
}


/**
 * The summary panel's host: one webview panel per window ("DICOM: Show Summary" reveals it when
 * open), restored after a reload by a WebviewPanelSerializer, refreshed when the index changes.
 * The webview gets plain data through the typed messages of src/shared/messages.ts and asks for
 * actions; this side reads the index (through the IndexService) and runs them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SummaryHost } from '../contracts';
import {
  CHART_TITLES,
  HostMessage,
  isPanelView,
  isWebviewMessage,
  PersistedState,
  PROTOCOL_VERSION,
  SummaryState,
  WebviewMessage,
} from '../../shared/messages';
import { CohortFilterError, countCohort } from '../../core/cohort/query';
import { cohortFormatOf, exportCohort } from '../../core/cohort/export';
import { computeStats } from '../../core/stats';
import { asStore } from '../../core/store/source';
import type { CohortCount, CohortFilter, CohortFormat } from '../../shared/cohort';
import { countOf } from '../../shared/format';
import { readSummary } from './data';
import { localResourceRoots, summaryHtml } from './html';
import { summaryMarkdown } from './markdown';

export const SUMMARY_VIEW_TYPE = 'dicom.summary';
export const SHOW_SUMMARY_COMMAND = 'dicom.showSummary';
/** Not contributed (hidden from the palette): lets integration tests see what the panel was sent and act as its webview. */
export const SUMMARY_TEST_COMMAND = '_dicom.summaryTest';
const INDEX_COMMAND = 'dicom.indexWorkspace';
/** The workspace-state key of the host's copy of the panel's view (see PanelView). */
export const VIEW_STATE_KEY = 'dicom.summary.view';

type Outgoing = HostMessage extends infer M ? (M extends { v: number } ? Omit<M, 'v'> : never) : never;

/** How often an index change may recompute the panel while an index run is going. */
const REFRESH_DEBOUNCE_MS = 400;
const REFRESH_MIN_INTERVAL_INDEXING_MS = 3000;

export class SummaryPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private folderUri: string | undefined;
  private lastState: SummaryState | undefined;
  private readonly sent: HostMessage[] = [];
  private readonly received: string[] = [];
  private stale = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;
  private lastComputeMs = 0;
  private computing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: SummaryHost,
  ) {
    this.disposables.push(
      host.service.onDidChangeIndex((folder) => {
        if (this.panel && (!this.folderUri || folder.uri.toString() === this.folderUri)) this.scheduleRefresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.panel && this.scheduleRefresh()),
    );
  }

  get isOpen(): boolean {
    return !!this.panel;
  }

  /** Reveals the panel, creating it when needed; `folder` selects the workspace folder shown. */
  show(folder?: vscode.WorkspaceFolder): void {
    if (folder) this.folderUri = folder.uri.toString();
    if (this.panel) {
      this.panel.reveal();
      if (folder) void this.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(SUMMARY_VIEW_TYPE, 'DICOM Summary', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: localResourceRoots(this.context.extensionUri),
    });
    this.attach(panel);
  }

  /** Takes over a panel restored by VS Code after a reload. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const persisted = state as PersistedState | undefined;
    if (persisted && persisted.v === PROTOCOL_VERSION && typeof persisted.folder === 'string') this.folderUri = persisted.folder;
    if (this.panel) {
      // One panel per window: a second restored panel (should not happen) is closed.
      panel.dispose();
      this.panel.reveal();
      return;
    }
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = { enableScripts: true, localResourceRoots: localResourceRoots(this.context.extensionUri) };
    panel.webview.html = summaryHtml(panel.webview, this.context.extensionUri);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        this.received.push(String((m as { type?: unknown } | null)?.type));
        if (this.received.length > 50) this.received.shift();
        void this.onMessage(m);
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) this.scheduleRefresh(0);
      }),
      panel.onDidDispose(() => this.detach()),
      this.host.service.onDidChangeIndexing((indexing) => {
        if (this.lastState && this.lastState.indexing !== indexing) this.scheduleRefresh(0);
      }),
    );
  }

  private detach(): void {
    this.panel = undefined;
    this.lastState = undefined;
    clearTimeout(this.refreshTimer);
    this.panelDisposables.forEach((d) => d.dispose());
    this.panelDisposables = [];
  }

  private post(m: Outgoing): void {
    const msg = { ...m, v: PROTOCOL_VERSION } as HostMessage;
    this.sent.push(msg);
    if (this.sent.length > 50) this.sent.splice(0, this.sent.length - 50);
    void this.panel?.webview.postMessage(msg);
  }

  private scheduleRefresh(delay = REFRESH_DEBOUNCE_MS): void {
    if (!this.panel) return;
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    // While an index run goes on, recompute at most every few seconds, and never spend more than
    // about a fifth of the time on it (at LIDC scale one computation takes a second or two).
    if (this.host.service.isIndexing) delay = Math.max(delay, this.lastRefresh + Math.max(REFRESH_MIN_INTERVAL_INDEXING_MS, 5 * this.lastComputeMs) - Date.now());
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.max(0, delay));
  }

  /** Recomputes the state and sends it (one computation at a time; a request meanwhile runs once more after). */
  async refresh(): Promise<void> {
    if (this.computing) {
      this.again = true;
      return this.computing;
    }
    this.computing = (async () => {
      do {
        this.again = false;
        this.stale = false;
        this.lastRefresh = Date.now();
        const state = await this.computeState();
        this.lastComputeMs = Date.now() - this.lastRefresh;
        if (!this.panel) return;
        this.lastState = state;
        this.post({ type: 'state', state });
      } while (this.again && this.panel);
    })().finally(() => (this.computing = undefined));
    return this.computing;
  }

  private currentFolder(): vscode.WorkspaceFolder | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    return folders.find((f) => f.uri.toString() === this.folderUri);
  }

  private async pickDefaultFolder(): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    for (const f of folders) {
      const has = await this.host.service.withDatabase(f, () => true).catch(() => undefined);
      if (has) return f;
    }
    return folders[0];
  }

  async computeState(): Promise<SummaryState> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    let folder = this.currentFolder();
    if (!folder) {
      folder = await this.pickDefaultFolder();
      this.folderUri = folder?.uri.toString();
    }
    const base: SummaryState = {
      folders: folders.map((f) => ({ uri: f.uri.toString(), name: f.name })),
      folder: folder?.uri.toString(),
      stats: null,
      series: [],
      seriesTotal: 0,
      indexing: this.host.service.isIndexing,
      computedAt: new Date().toISOString(),
    };
    if (!folder) return base;
    try {
      const data = await this.host.service.withDatabase(folder, (idx) => readSummary(idx));
      if (data) Object.assign(base, { stats: data.stats, series: data.series, seriesTotal: data.seriesTotal, checks: data.checks });
    } catch (e) {
      base.error = `Could not read the index: ${(e as Error).message}`;
    }
    if (this.panel) this.panel.title = folders.length > 1 ? `DICOM Summary: ${folder.name}` : 'DICOM Summary';
    return base;
  }

  /** Handles one message from the webview. Returns what the action produced (for tests). */
  async onMessage(raw: unknown): Promise<unknown> {
    if (!isWebviewMessage(raw)) {
      // A webview from another version of the extension (restored after an update): reload it.
      const v = (raw as { v?: unknown } | null)?.v;
      if (this.panel && typeof v === 'number' && v !== PROTOCOL_VERSION) this.panel.webview.html = summaryHtml(this.panel.webview, this.context.extensionUri);
      return undefined;
    }
    const m: WebviewMessage = raw;
    switch (m.type) {
      case 'ready': {
        const view = this.context.workspaceState.get<unknown>(VIEW_STATE_KEY);
        if (isPanelView(view)) this.post({ type: 'view', view });
        if (this.lastState) this.post({ type: 'state', state: this.lastState });
        await this.refresh();
        return this.lastState;
      }
      case 'saveView':
        await this.context.workspaceState.update(VIEW_STATE_KEY, m.view);
        return undefined;
      case 'refresh':
        await this.refresh();
        return this.lastState;
      case 'selectFolder':
        if ((vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.toString() === m.folder)) {
          this.folderUri = m.folder;
          await this.refresh();
        }
        return this.lastState;
      case 'revealSeries': {
        const folder = this.currentFolder();
        if (folder) await this.host.revealSeries(folder, m.uid);
        return undefined;
      }
      case 'revealProblems': {
        const folder = this.currentFolder();
        if (folder) await this.host.revealProblems(folder);
        return undefined;
      }
      case 'export':
        return this.runExport(m.format);
      case 'savePng':
        return this.savePng(m.chart, m.dataUrl);
      case 'copySummary':
        return this.copySummary();
      case 'indexWorkspace':
        await vscode.commands.executeCommand(INDEX_COMMAND).then(undefined, (e: Error) => vscode.window.showErrorMessage(`Could not start indexing: ${e.message}`));
        return undefined;
      case 'cohortCount':
        return this.countCohort(m.seq, m.filter);
      case 'exportCohort':
        return this.exportCohort(m.format, m.filter);
    }
  }

  /** Counts the cohort and answers the webview (`seq` is its question's number). */
  private async countCohort(seq: number, filter: CohortFilter): Promise<{ count: CohortCount | null; error?: string }> {
    const folder = this.currentFolder();
    let answer: { count: CohortCount | null; error?: string };
    try {
      const count = folder ? await this.host.service.withDatabase(folder, (idx) => countCohort(asStore(idx), filter)) : undefined;
      answer = count ? { count } : { count: null, error: 'There is no index to count in yet.' };
    } catch (e) {
      answer = { count: null, error: e instanceof CohortFilterError ? capitalise(e.message) : `The cohort could not be counted: ${(e as Error).message}` };
    }
    this.post({ type: 'cohortCount', seq, ...answer });
    return answer;
  }

  /** Save dialog (cohort.csv / .json / .parquet in the folder), the export, then a notification. */
  private async exportCohort(format: CohortFormat, filter: CohortFilter): Promise<string | undefined> {
    const folder = this.currentFolder();
    if (!folder) return undefined;
    const what = COHORT_FORMAT_NAMES[format];
    const target = await vscode.window.showSaveDialog({
      title: `Export the cohort: ${what}`,
      saveLabel: 'Export Cohort',
      defaultUri: vscode.Uri.joinPath(folder.uri, `cohort.${format}`),
      filters: { [what]: [format] },
    });
    if (!target) return undefined;
    if (target.scheme !== 'file') {
      void vscode.window.showErrorMessage('DICOM: exports are written to files on this machine only.');
      return undefined;
    }
    // The extension picks the format: a name typed without one gets the button's.
    const file = cohortFormatOf(target.fsPath) ? target.fsPath : `${target.fsPath}.${format}`;
    const uri = vscode.Uri.file(file);
    this.post({ type: 'busy', busy: true, action: 'Exporting the cohort' });
    try {
      const r = await this.host.service.withDatabase(folder, (idx) => exportCohort(idx, filter, file));
      if (!r) {
        this.post({ type: 'notice', text: 'There is no index to export from yet.', kind: 'error' });
        return undefined;
      }
      const name = path.basename(file);
      const counted = `${countOf(r.count.series, 'series', 'series')} (${countOf(r.count.images, 'slice')})`;
      this.post({ type: 'notice', text: `Exported ${counted} to ${name}.`, kind: 'info' });
      const actions = r.format === 'parquet' ? ['Reveal in File Explorer'] : ['Open', 'Reveal in File Explorer'];
      void vscode.window.showInformationMessage(`DICOM: exported a cohort of ${counted} to ${name} (${r.format.toUpperCase()}).`, ...actions).then((choice) => {
        if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', uri);
        else if (choice === 'Reveal in File Explorer') {
          const local = vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
          void vscode.commands.executeCommand(local ? 'revealFileInOS' : 'revealInExplorer', uri).then(undefined, () => vscode.commands.executeCommand('revealInExplorer', uri));
        }
      });
      return uri.toString();
    } catch (e) {
      const text = (e as Error).message;
      this.post({ type: 'notice', text: `The cohort export failed: ${text}`, kind: 'error' });
      void vscode.window.showErrorMessage(`DICOM: the cohort export failed: ${text}`);
      return undefined;
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }

  private async busy<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.post({ type: 'busy', busy: true, action });
    try {
      return await fn();
    } catch (e) {
      this.post({ type: 'notice', text: `${action} failed: ${(e as Error).message}`, kind: 'error' });
      return undefined;
    } finally {
      this.post({ type: 'busy', busy: false });
    }
  }

  private async runExport(format: 'csv' | 'xlsx'): Promise<string | undefined> {
    const folder = this.currentFolder();
    if (!folder) return undefined;
    const uri = await this.busy(format === 'csv' ? 'Exporting CSV' : 'Exporting Excel workbook', () =>
      format === 'csv' ? this.host.exportCsv(folder) : this.host.exportXlsx(folder),
    );
    if (uri) this.post({ type: 'notice', text: `Exported to ${path.basename(uri.path)}.`, kind: 'info' });
    else this.post({ type: 'notice', text: '', kind: 'info' });
    return uri?.toString();
  }

  private async savePng(chart: keyof typeof CHART_TITLES, dataUrl: string): Promise<string | undefined> {
    const folder = this.currentFolder();
    const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) {
      this.post({ type: 'notice', text: 'The chart could not be turned into a PNG image.', kind: 'error' });
      return undefined;
    }
    const name = { thickness: 'slice-thickness-instances.png', seriesThickness: 'slice-thickness-series.png', seriesStep: 'slice-step-series.png', modalities: 'modalities.png' }[chart];
    const target = await vscode.window.showSaveDialog({
      title: `Save chart: ${CHART_TITLES[chart]}`,
      saveLabel: 'Save Chart',
      defaultUri: folder ? vscode.Uri.joinPath(folder.uri, name) : undefined,
      filters: { 'PNG image': ['png'] },
    });
    if (!target) return undefined;
    await this.busy('Saving chart', () => Promise.resolve(vscode.workspace.fs.writeFile(target, bytes)));
    this.post({ type: 'notice', text: `Saved ${path.basename(target.path)}.`, kind: 'info' });
    void vscode.window.showInformationMessage(`Saved the chart to ${path.basename(target.path)}.`, 'Open').then((choice) => {
      if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', target);
    });
    return target.toString();
  }

  private async copySummary(): Promise<string | undefined> {
    const folder = this.currentFolder();
    if (!folder) return undefined;
    const stats = await this.host.service.withDatabase(folder, (idx) => computeStats(idx));
    if (!stats) {
      this.post({ type: 'notice', text: 'There is no index to summarise yet.', kind: 'error' });
      return undefined;
    }
    const md = summaryMarkdown(stats, `DICOM summary: ${folder.name}`);
    await vscode.env.clipboard.writeText(md);
    this.post({ type: 'notice', text: 'Copied the summary as a Markdown table.', kind: 'info' });
    vscode.window.setStatusBarMessage('DICOM summary copied as Markdown', 4000);
    return md;
  }

  /** For integration tests. */
  testInfo(): { open: boolean; visible: boolean; folder?: string; state?: SummaryState; sent: string[]; received: string[]; html?: string } {
    return {
      open: !!this.panel,
      visible: !!this.panel?.visible,
      folder: this.folderUri,
      state: this.lastState,
      sent: this.sent.map((m) => m.type),
      received: this.received.slice(),
      html: this.panel?.webview.html,
    };
  }

  closePanel(): void {
    this.panel?.dispose();
  }

  dispose(): void {
    this.panel?.dispose();
    this.detach();
    this.disposables.forEach((d) => d.dispose());
  }
}

const COHORT_FORMAT_NAMES: Record<CohortFormat, string> = {
  csv: 'CSV (one row per series)',
  json: 'JSON training manifest',
  parquet: 'Apache Parquet',
};

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The workspace folder a command argument points at: a tree node (`{ folder }`), a WorkspaceFolder
 * (`{ uri }`) or a URI, from a tree item's context menu or another command.
 */
function folderOf(arg: unknown): vscode.WorkspaceFolder | undefined {
  const o = arg as { uri?: unknown; folder?: { uri?: unknown } } | undefined;
  const uri = arg instanceof vscode.Uri ? arg : o?.uri instanceof vscode.Uri ? o.uri : o?.folder?.uri instanceof vscode.Uri ? o.folder.uri : undefined;
  return uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
}

export type SummaryTestRequest = { op: 'info' } | { op: 'message'; message: unknown } | { op: 'refresh' } | { op: 'close' };

export function registerSummaryPanel(context: vscode.ExtensionContext, host: SummaryHost): vscode.Disposable {
  const summary = new SummaryPanel(context, host);
  return vscode.Disposable.from(
    summary,
    vscode.commands.registerCommand(SHOW_SUMMARY_COMMAND, (arg?: unknown) => summary.show(folderOf(arg))),
    vscode.window.registerWebviewPanelSerializer(SUMMARY_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        summary.restore(panel, state);
      },
    }),
    vscode.commands.registerCommand(SUMMARY_TEST_COMMAND, async (req: SummaryTestRequest) => {
      switch (req?.op) {
        case 'info':
          return summary.testInfo();
        case 'message':
          return summary.onMessage(req.message);
        case 'refresh':
          await summary.refresh();
          return summary.testInfo();
        case 'close':
          summary.closePanel();
          return undefined;
        default:
          return undefined;
      }
    }),
  );
}

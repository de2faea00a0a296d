/**
 * The "DICOM Index" tree: Patient → Study → Series → Instance, a Problems node and a Checks node, per workspace
 * folder (grouped under folder nodes in a multi-root workspace). Each level is one grouped SQL query
 * run when its parent is expanded; tooltips are built on hover.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IndexService, IndexState } from '../contracts';
import { OPEN_SETTING_COMMAND, refusalText } from '../databasePathSetting';
import * as E from './elements';
import type { TreeElement } from './elements';
import { count, formatDate, formatMm, formatPersonName, NO_PATIENT_ID, NO_SERIES_UID, num, plain } from './format';
import * as q from '../../core/queries/tree';
import { checksOfSeries, SeriesChecks } from '../../core/queries/checks';
import { asStore, type IndexSource } from '../../core/store/source';
import { checksChildren, checksNodeOf, checksTreeItem } from './checksNode';
import { seriesIcon, stepText } from './seriesFindings';
import { buildTooltip } from './tooltips';

/** A folder node's description (multi-root): what stands instead of its index. */
const FOLDER_STATE: Record<IndexState, string> = { indexed: '', notIndexed: 'not indexed', noDicom: 'no DICOM files', refused: 'index path refused' };

export class DicomTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly service: IndexService) {
    this.sub = vscode.Disposable.from(
      service.onDidChangeIndex(() => this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
    );
  }

  /** Refreshes the whole tree (coalesced: many changes in a moment are one refresh). */
  refresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.emitter.fire(undefined);
    }, 50);
  }

  private get grouped(): boolean {
    return (vscode.workspace.workspaceFolders ?? []).length > 1;
  }

  async getChildren(el?: TreeElement): Promise<TreeElement[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!el) {
      if (!this.grouped) return folders.length ? this.folderChildren(folders[0], undefined) : [];
      // Multi-root: a node per folder, unless nothing is indexed or refused (then the welcome view shows).
      if (!folders.some((f) => this.service.hasIndex(f) || this.service.refusal(f))) return [];
      return folders.map(E.folderNode);
    }
    switch (el.kind) {
      case 'folder':
        return this.folderChildren(el.folder, el);
      case 'patient':
        return (await this.service.withDatabase(el.folder, async (idx) => (await q.studies(idx, { patientId: el.row.id })).map((r) => E.studyNode(el, r)))) ?? [];
      case 'study':
        return (
          (await this.service.withDatabase(el.folder, async (idx) => {
            const rows = await q.series(idx, { studyId: el.row.id });
            const checks = await seriesChecks(idx, rows);
            return rows.map((r) => E.seriesNode(el, r, checks.get(r.SeriesInstanceUID)));
          })) ?? []
        );
      case 'series':
        return (await this.service.withDatabase(el.folder, async (idx) => (await q.instances(idx, { seriesId: el.row.id })).map((r) => E.instanceNode(el, r)))) ?? [];
      case 'problems':
        return (
          (await this.service.withDatabase(el.folder, async (idx) => {
            const rows = await q.problems(idx);
            const out: TreeElement[] = rows.map((r) => E.problemNode(el, r));
            const total = await q.problemCount(idx);
            if (total > rows.length) out.push(E.moreNode(el, total - rows.length));
            return out;
          })) ?? []
        );
      case 'checks':
      case 'check':
        return (await this.service.withDatabase(el.folder, (idx) => checksChildren(idx, el))) ?? [];
      default:
        return [];
    }
  }

  /** Problems and Checks first (reachable without scrolling past every patient), the patients, then the files without a PatientID. */
  private async folderChildren(folder: vscode.WorkspaceFolder, anchor: E.Anchor): Promise<TreeElement[]> {
    const refusal = this.service.refusal(folder);
    if (refusal) return [E.refusedNode(folder, anchor, refusal)];
    return (
      (await this.service.withDatabase(folder, async (idx) => {
        const out: TreeElement[] = [];
        const problems = await q.problemCount(idx);
        if (problems) out.push(E.problemsNode(folder, anchor, problems));
        const checks = await checksNodeOf(idx, folder, anchor);
        if (checks) out.push(checks);
        const rows = await q.patients(idx);
        for (const r of rows) if (r.PatientID) out.push(E.patientNode(folder, anchor, r));
        for (const r of rows) if (!r.PatientID) out.push(E.patientNode(folder, anchor, r));
        return out;
      })) ?? []
    );
  }

  getParent(el: TreeElement): TreeElement | undefined {
    return el.parent;
  }

  getTreeItem(el: TreeElement): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    let item: vscode.TreeItem;
    switch (el.kind) {
      case 'folder': {
        const state = this.service.indexState(el.folder);
        item = new vscode.TreeItem(el.folder.name, state === 'indexed' || state === 'refused' ? C.Expanded : C.None);
        item.iconPath = new vscode.ThemeIcon(state === 'refused' ? 'error' : 'root-folder');
        item.description = FOLDER_STATE[state];
        item.tooltip = this.service.refusal(el.folder)?.message ?? this.service.dbPath(el.folder);
        break;
      }
      case 'patient': {
        const id = plain(el.row.PatientID);
        if (!id) {
          // Files without a PatientID are not one patient: a group of their studies, no name shown.
          item = new vscode.TreeItem(NO_PATIENT_ID, C.Collapsed);
          item.description = count(el.row.studies, 'study', 'studies');
          item.iconPath = new vscode.ThemeIcon('question');
          item.contextValue = 'dicom.noPatientId';
          break;
        }
        const name = plain(formatPersonName(el.row.PatientName));
        const label = name && name !== id ? `${name} (${id})` : id;
        item = new vscode.TreeItem(label, C.Collapsed);
        // The label shows the first file's name; say when its files carry others.
        item.description = [count(el.row.studies, 'study', 'studies'), el.row.names > 1 ? count(el.row.names, 'name') : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon('person');
        break;
      }
      case 'study': {
        const r = el.row;
        const label = [formatDate(r.StudyDate), plain(r.StudyDescription)].filter(Boolean).join(' · ') || '(no date or description)';
        item = new vscode.TreeItem(label, C.Collapsed);
        item.description = count(r.series, 'series', 'series');
        item.iconPath = new vscode.ThemeIcon('folder-library');
        break;
      }
      case 'series': {
        // What matters first, visible at the default sidebar width: "CT · 133 images · 1.25 mm"; the
        // series number (LIDC's have 7 digits) and description after it, where the row may cut them.
        const r = el.row;
        const head = r.SeriesInstanceUID ? plain(r.Modality) || 'Series' : NO_SERIES_UID;
        item = new vscode.TreeItem([head, count(r.images, 'image'), formatMm(r.thicknessMin, r.thicknessMax)].filter(Boolean).join(' · '), C.Collapsed);
        // Files without a SeriesInstanceUID are not one series: no number or description of one of them.
        // A volume's measured step first; the icon says the worst finding of its checks.
        item.description = r.SeriesInstanceUID ? [stepText(el.checks), r.SeriesNumber !== null ? `#${r.SeriesNumber}` : '', plain(r.SeriesDescription)].filter(Boolean).join(' · ') : '';
        item.iconPath = seriesIcon(el.checks, !!r.SeriesInstanceUID);
        break;
      }
      case 'instance': {
        const r = el.row;
        const name = path.posix.basename(r.path);
        item = new vscode.TreeItem(r.InstanceNumber !== null ? `#${r.InstanceNumber} · ${name}` : name, C.None);
        if (r.status !== 'ok') item.description = r.status;
        item.iconPath = new vscode.ThemeIcon(r.status === 'ok' ? 'file-media' : 'warning');
        item.command = { command: 'dicom.showTags', title: 'Show Tags', arguments: [el] };
        break;
      }
      case 'problems': {
        item = new vscode.TreeItem('Problems', C.Collapsed);
        item.description = count(el.count, 'file');
        item.iconPath = new vscode.ThemeIcon('warning');
        break;
      }
      case 'problem': {
        const r = el.row;
        item = new vscode.TreeItem(path.posix.basename(r.path), C.None);
        const status = r.status === 'not_dicom' ? 'not DICOM' : r.status;
        item.description = plain(`${status}${r.error ? `: ${r.error}` : ''}`, 160);
        item.iconPath = new vscode.ThemeIcon(r.status === 'error' ? 'error' : r.status === 'partial' ? 'warning' : 'circle-slash');
        item.command =
          r.status === 'not_dicom'
            ? { command: 'vscode.open', title: 'Open', arguments: [E.fileOf(el)] }
            : { command: 'dicom.showTags', title: 'Show Tags', arguments: [el] };
        break;
      }
      case 'refused': {
        item = new vscode.TreeItem('Index database path refused', C.None);
        item.description = 'open the setting that names it';
        item.iconPath = new vscode.ThemeIcon('error');
        item.tooltip = refusalText(el.refusal);
        item.command = { command: OPEN_SETTING_COMMAND, title: 'Open Settings File', arguments: [el.folder.uri] };
        break;
      }
      case 'more': {
        item = new vscode.TreeItem(`… and ${num(el.count)} more`, C.None);
        item.tooltip = `The ${el.parent?.kind === 'check' ? 'Checks' : 'Problems'} sheet of "Export Metadata to Excel…" lists every one.`;
        break;
      }
      case 'checks':
      case 'check':
      case 'checkSeries':
      case 'datasetFinding':
        item = checksTreeItem(el);
        break;
    }
    item.id = el.id;
    item.contextValue ??= `dicom.${el.kind}`;
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, el: TreeElement, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (item.tooltip === undefined && !token.isCancellationRequested) {
      try {
        item.tooltip = await buildTooltip(this.service, el);
      } catch (e) {
        item.tooltip = `Could not read the tags: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    return item;
  }

  /** The tooltip of an element as the hover would show it (tests). */
  async resolveTooltip(el: TreeElement): Promise<vscode.MarkdownString | string | undefined> {
    const item = await this.resolveTreeItem(this.getTreeItem(el), el, new vscode.CancellationTokenSource().token);
    return item.tooltip;
  }

  /** The series node with this UID, its parents built (for TreeView.reveal). */
  async findSeries(folder: vscode.WorkspaceFolder, uid: string): Promise<E.SeriesNode | undefined> {
    return this.service.withDatabase(folder, async (idx) => {
      const ids = await q.seriesByUid(idx, uid);
      if (!ids) return undefined;
      const anchor = this.grouped ? E.folderNode(folder) : undefined;
      const p = (await q.patients(idx, ids.patientId))[0];
      const st = (await q.studies(idx, { id: ids.studyId }))[0];
      const se = (await q.series(idx, { id: ids.seriesId }))[0];
      if (!p || !st || !se) return undefined;
      const checks = await seriesChecks(idx, [se]);
      return E.seriesNode(E.studyNode(E.patientNode(folder, anchor, p), st), se, checks.get(se.SeriesInstanceUID));
    });
  }

  async findProblems(folder: vscode.WorkspaceFolder): Promise<E.ProblemsNode | undefined> {
    return this.service.withDatabase(folder, async (idx) => {
      const n = await q.problemCount(idx);
      return n ? E.problemsNode(folder, this.grouped ? E.folderNode(folder) : undefined, n) : undefined;
    });
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** The checks of a study's series, by Series UID. */
function seriesChecks(idx: IndexSource, rows: readonly q.TreeSeries[]): Promise<Map<string, SeriesChecks>> {
  return checksOfSeries(asStore(idx), rows.map((r) => r.SeriesInstanceUID));
}

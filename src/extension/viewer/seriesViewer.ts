/**
 * "DICOM: Open Series" (`dicom.openSeries`): a webview panel that scrolls through a series in
 * position order (the index's slice order, src/core/queries/seriesSlices.ts), one panel per series
 * (opening it again reveals it). From the tree: a series (context menu, or its inline button), a
 * series under Checks, or an instance (the series opens at that image); from the palette: the
 * selected row. `_dicom.viewerTest` (not contributed) lets integration tests read the sessions.
 */
import { indexedFile } from '../../core/indexedPath';
import * as vscode from 'vscode';
import { seriesSlices, type SeriesSlices } from '../../core/queries/seriesSlices';
import { asStore } from '../../core/store/source';
import { ALL_CHECKS } from '../../shared/checks';
import { countOf } from '../../shared/format';
import type { SliceMark, ViewerFinding, ViewerOpen } from '../../shared/viewerMessages';
import type { IndexService } from '../contracts';
import { isTreeElement, type TreeElement } from '../tree/elements';
import { onDidDisposeSession, ViewerSession, type SliceSource } from './session';

export const OPEN_SERIES_COMMAND = 'dicom.openSeries';
export const VIEWER_TEST_COMMAND = '_dicom.viewerTest';
export const SERIES_VIEW_TYPE = 'dicom.seriesViewer';

/** Every open viewer session (series panels and .dcm editors), for the test command. */
export const sessions = new Set<ViewerSession>();
onDidDisposeSession((s) => sessions.delete(s));

/** The `open` message and file lookup of a series' slices; it starts at `start` (a file id, or the key of a slice). */
export function seriesSource(folder: vscode.WorkspaceFolder, s: SeriesSlices, start?: number | string): SliceSource {
  const a = s.attrs;
  const title = [a.Modality, a.SeriesNumber !== null ? `#${a.SeriesNumber}` : '', a.SeriesDescription].filter(Boolean).join(' ') || 'Series';
  const marks: SliceMark[] = [
    ...s.gaps.map((g) => ({ index: g.index, kind: 'gap' as const, label: `${countOf(g.missing, 'slice')} missing` })),
    ...s.duplicates.map((i) => ({ index: i, kind: 'duplicate' as const, label: 'at the position of the slice before' })),
  ].sort((x, y) => x.index - y.index);
  const findings: ViewerFinding[] = s.findings.map((f) => ({ check: f.check, title: ALL_CHECKS[f.check]?.title ?? f.check, severity: f.severity, detail: f.detail }));
  const keyOf = (i: number) => (s.slices[i] ? `${s.slices[i].fileId}:${s.slices[i].frame}` : undefined);
  const startIndex = start === undefined ? 0 : Math.max(0, s.slices.findIndex((x, i) => (typeof start === 'number' ? x.fileId === start : keyOf(i) === start)));
  const step = s.step !== null ? `${s.step} mm step` : s.spacingNote ?? '';
  const open: ViewerOpen = {
    source: 'series',
    title,
    subtitle: [a.PatientID ? `Patient ${a.PatientID}` : '', countOf(s.slices.length, 'slice'), step].filter(Boolean).join(' · '),
    slices: s.slices.map((x) => ({ position: x.position, instanceNumber: x.instanceNumber, frame: x.frame })),
    start: startIndex,
    marks,
    findings,
    modality: a.Modality ?? '',
    tags: [],
    ...(s.slices.length ? {} : { notice: 'This series has no images in the index.' }),
  };
  return {
    open,
    keyOf,
    fileOf: (i) => {
      const x = s.slices[i];
      const file = x ? indexedFile(folder.uri.fsPath, x.path) : undefined;
      return x && file ? { file, frame: x.frame } : undefined;
    },
  };
}

/** What a tree element opens: the folder, the Series UID, and the file to start at. */
function target(el: TreeElement | undefined): { folder: vscode.WorkspaceFolder; uid: string; fileId?: number } | undefined {
  if (!el) return undefined;
  if (el.kind === 'series' || el.kind === 'checkSeries') return el.row.SeriesInstanceUID ? { folder: el.folder, uid: el.row.SeriesInstanceUID } : undefined;
  if (el.kind === 'instance' && el.parent?.kind === 'series') return el.parent.row.SeriesInstanceUID ? { folder: el.folder, uid: el.parent.row.SeriesInstanceUID, fileId: el.row.fileId } : undefined;
  return undefined;
}

export function registerSeriesViewer(context: vscode.ExtensionContext, service: IndexService, view: vscode.TreeView<TreeElement>): vscode.Disposable {
  const panels = new Map<string, ViewerSession>();
  const open = async (arg?: unknown): Promise<string | undefined> => {
    const t = target(isTreeElement(arg) ? arg : view.selection[0]);
    if (!t) {
      void vscode.window.showInformationMessage('DICOM: select a series (or one of its images) in the DICOM Index view to open it.');
      return undefined;
    }
    const slices = await service.withDatabase(t.folder, (idx) => seriesSlices(asStore(idx), t.uid));
    if (!slices) {
      void vscode.window.showInformationMessage('DICOM: that series is no longer in the index.');
      return undefined;
    }
    const source = seriesSource(t.folder, slices, t.fileId);
    const key = `${t.folder.uri.toString()}|${t.uid}`;
    const existing = panels.get(key);
    if (existing) {
      existing.replace(source);
      existing.panel.reveal();
      return key;
    }
    const panel = vscode.window.createWebviewPanel(SERIES_VIEW_TYPE, clipTitle(source.open.title), vscode.ViewColumn.Active, { enableScripts: true });
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'dicom.svg');
    const session = new ViewerSession(panel, source, context.extensionUri);
    panels.set(key, session);
    sessions.add(session);
    panel.onDidDispose(() => panels.delete(key));
    return key;
  };
  /** After a re-index of a folder: each of its open series gets the slices the index now holds, at the slice it showed. */
  const follow = async (folder: vscode.WorkspaceFolder) => {
    for (const [key, session] of panels) {
      if (!key.startsWith(`${folder.uri.toString()}|`)) continue;
      const uid = key.slice(folder.uri.toString().length + 1);
      const slices = await service.withDatabase(folder, (idx) => seriesSlices(asStore(idx), uid));
      if (!slices) continue;
      const before = session.current;
      const same = before.open.slices.length === slices.slices.length && slices.slices.every((_, i) => before.keyOf?.(i) === `${slices.slices[i].fileId}:${slices.slices[i].frame}`) && JSON.stringify(before.open.marks) === JSON.stringify(seriesSource(folder, slices).open.marks);
      if (same) continue;
      const shown = session.shownIndex;
      session.replace(seriesSource(folder, slices, shown === undefined ? undefined : before.keyOf?.(shown)));
    }
  };
  return vscode.Disposable.from(
    service.onDidChangeIndex((folder) => void follow(folder)),
    vscode.commands.registerCommand(OPEN_SERIES_COMMAND, open),
    vscode.commands.registerCommand(VIEWER_TEST_COMMAND, (req?: { op?: string }) => {
      if (req?.op === 'closeAll') {
        for (const s of [...sessions]) s.panel.dispose();
        return [];
      }
      return [...sessions].map((s) => s.testInfo());
    }),
  );
}

const clipTitle = (t: string) => (t.length > 40 ? `${t.slice(0, 39)}…` : t);

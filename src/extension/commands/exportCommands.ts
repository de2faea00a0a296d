/**
 * Export Metadata to CSV… / to Excel…: a save dialog, the export with progress and Cancel, then a
 * notification with "Open" and "Reveal in File Explorer".
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportCsv, exportXlsx } from '../../core/export';
import { markExported } from '../contextKeys';
import type { IndexService } from '../contracts';
import { errorText, Log } from '../log';
import { pickFolder } from './folders';
import { formatCount } from '../../shared/format';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportRequest {
  folder?: vscode.WorkspaceFolder;
  /** Skip the save dialog (tests, the summary panel when it already asked). */
  target?: vscode.Uri;
  /** Skip the final notification (tests). */
  quiet?: boolean;
}

export async function exportFlow(service: IndexService, log: Log, format: ExportFormat, req: ExportRequest = {}): Promise<vscode.Uri | undefined> {
  const folder = req.folder ?? (await pickFolder(service, 'Export the index of which folder?'));
  if (!folder) return undefined;
  if (!service.hasIndex(folder)) {
    const choice = await vscode.window.showInformationMessage(`DICOM: ${folder.name} is not indexed yet.`, 'Index Workspace');
    if (choice) await vscode.commands.executeCommand('dicom.indexWorkspace');
    return undefined;
  }
  const ext = format === 'csv' ? 'csv' : 'xlsx';
  const target =
    req.target ??
    (await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder.uri, `${folder.name}-dicom-metadata.${ext}`),
      filters: format === 'csv' ? { 'CSV (comma-separated values)': ['csv'] } : { 'Excel workbook': ['xlsx'] },
      saveLabel: 'Export',
      title: format === 'csv' ? 'Export DICOM metadata to CSV' : 'Export DICOM metadata to Excel',
    }));
  if (!target) return undefined;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage('DICOM: exports are written to files on this machine only.');
    return undefined;
  }
  const t0 = Date.now();
  let rows = 0;
  let cancelled = false;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `DICOM: Exporting to ${path.basename(target.fsPath)}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        let last = 0;
        try {
          const res = await service.withDatabase(folder, (idx) =>
            (format === 'csv' ? exportCsv : exportXlsx)(idx, target.fsPath, {
              signal: ac.signal,
              onProgress: (done, total) => {
                const pct = total ? (done / total) * 100 : 0;
                progress.report({ message: `${formatCount(done)} of ${formatCount(total)} files`, increment: pct - last });
                last = pct;
              },
            }),
          );
          rows = res?.rows ?? 0;
          cancelled = ac.signal.aborted;
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (e) {
    if ((e as Error).name === 'AbortError' || /abort/i.test(errorText(e))) cancelled = true;
    else {
      log.error(`${format} export failed: ${errorText(e)}`);
      void vscode.window.showErrorMessage(`DICOM: the export failed: ${errorText(e)}`);
      return undefined;
    }
  }
  if (cancelled) {
    log.info(`${format} export cancelled`);
    void vscode.window.showInformationMessage('DICOM: export cancelled; nothing was written.');
    return undefined;
  }
  log.info(`${format} export: ${rows} rows in ${Date.now() - t0} ms`);
  markExported();
  if (!req.quiet) void notifyDone(target, rows, format);
  return target;
}

async function notifyDone(target: vscode.Uri, rows: number, format: ExportFormat): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `DICOM: exported ${formatCount(rows)} files to ${path.basename(target.fsPath)}.`,
    'Open',
    'Reveal in File Explorer',
  );
  if (choice === 'Open') {
    if (format === 'csv') await vscode.commands.executeCommand('vscode.open', target);
    else await vscode.env.openExternal(target);
  } else if (choice === 'Reveal in File Explorer') {
    // The OS file manager on the desktop; VS Code's Explorer where there is none (remote, web).
    const local = vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
    try {
      await vscode.commands.executeCommand(local ? 'revealFileInOS' : 'revealInExplorer', target);
    } catch {
      await vscode.commands.executeCommand('revealInExplorer', target);
    }
  }
}

export function registerExportCommands(service: IndexService, log: Log): vscode.Disposable {
  const arg = (a: unknown): ExportRequest => (a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as ExportRequest) : {});
  return vscode.Disposable.from(
    vscode.commands.registerCommand('dicom.exportCsv', (a?: unknown) => exportFlow(service, log, 'csv', arg(a))),
    vscode.commands.registerCommand('dicom.exportXlsx', (a?: unknown) => exportFlow(service, log, 'xlsx', arg(a))),
  );
}

/**
 * The `.dcm` editor: a read-only custom editor (`dicom.dcmPreview`, priority "default" for `*.dcm`)
 * that shows the image (a frame slider for multi-frame files) and the file's tags, instead of
 * VS Code's binary-file notice. `dicom.preview.openDcmAsImage: false` turns it off: a contribution's
 * priority cannot change at run time, so the editor then reopens the file with VS Code's default
 * editor (the binary-file notice, or whatever `workbench.editorAssociations` says) and closes itself.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readFileTags } from '../../core/tags';
import type { TagRow } from '../../core/dicom/dump';
import type { ViewerOpen } from '../../shared/viewerMessages';
import { sessions } from './seriesViewer';
import { ViewerSession, type SliceSource } from './session';

export const DCM_EDITOR_VIEW_TYPE = 'dicom.dcmPreview';
export const OPEN_AS_IMAGE_SETTING = 'preview.openDcmAsImage';
/** The most frames the editor lists (a slider position each). */
const MAX_FRAMES = 10_000;

export async function fileSource(file: string): Promise<SliceSource> {
  const name = path.basename(file);
  let rows: TagRow[] = [];
  let notice: string | undefined;
  let status = 'ok';
  try {
    const tags = await readFileTags(file, { maxValueLength: 256, maxRows: 5000, maxDepth: 8 });
    rows = tags.rows;
    status = tags.status;
    // A partial file keeps no notice: the image may still decode, and the reason shows if it does not.
    if (tags.status === 'not_dicom') notice = `This is not a DICOM file${tags.error ? ` (${tags.error})` : ''}.`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    notice = code === 'ENOENT' ? 'The file is not there.' : `The file cannot be read: ${(e as Error).message.split('\n')[0]}`;
  }
  const top = (k: string) => rows.find((r) => r.depth === 0 && r.keyword === k)?.value ?? '';
  const framesText = Number(top('NumberOfFrames'));
  const frames = Number.isSafeInteger(framesText) && framesText > 1 ? Math.min(framesText, MAX_FRAMES) : 1;
  const hasPixels = rows.some((r) => r.depth === 0 && r.tag === '(7FE0,0010)');
  if (!notice && status !== 'not_dicom' && !hasPixels) notice = 'This DICOM file has no pixel data: its tags are below.';
  const size = top('Rows') && top('Columns') ? `${top('Columns')}×${top('Rows')}` : '';
  const open: ViewerOpen = {
    source: 'file',
    title: [top('Modality'), top('SeriesDescription')].filter(Boolean).join(' · ') || name,
    subtitle: [name, top('PatientID') ? `Patient ${top('PatientID')}` : '', top('InstanceNumber') ? `#${top('InstanceNumber')}` : '', size, frames > 1 ? `${frames} frames` : ''].filter(Boolean).join(' · '),
    slices: notice ? [] : Array.from({ length: frames }, (_, k) => ({ position: null, instanceNumber: null, frame: k })),
    start: 0,
    marks: [],
    findings: [],
    modality: top('Modality'),
    tags: rows.map((r) => ({ keyword: r.keyword, tag: r.tag, vr: r.vr, value: r.value, depth: r.depth })),
    ...(notice ? { notice } : {}),
  };
  return { open, fileOf: (i) => (i < open.slices.length ? { file, frame: i } : undefined) };
}

class DcmDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    /* nothing held */
  }
}

export class DcmEditorProvider implements vscode.CustomReadonlyEditorProvider<DcmDocument> {
  constructor(private readonly context: vscode.ExtensionContext) {}

  openCustomDocument(uri: vscode.Uri): DcmDocument {
    return new DcmDocument(uri);
  }

  async resolveCustomEditor(document: DcmDocument, panel: vscode.WebviewPanel): Promise<void> {
    if (vscode.workspace.getConfiguration('dicom', document.uri).get<boolean>(OPEN_AS_IMAGE_SETTING) === false) {
      // Turned off: VS Code's default editor instead (this one closes itself once that one is open).
      panel.webview.html = '<!DOCTYPE html><html><body></body></html>';
      await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', { viewColumn: panel.viewColumn, preview: false });
      panel.dispose();
      return;
    }
    const source =
      document.uri.scheme === 'file'
        ? await fileSource(document.uri.fsPath)
        : { open: { source: 'file' as const, title: path.posix.basename(document.uri.path), subtitle: '', slices: [], start: 0, marks: [], findings: [], modality: '', tags: [], notice: 'Only files on this machine can be shown.' }, fileOf: () => undefined };
    const session = new ViewerSession(panel, source, this.context.extensionUri);
    sessions.add(session);
  }
}

export function registerDcmEditor(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(DCM_EDITOR_VIEW_TYPE, new DcmEditorProvider(context), { supportsMultipleEditorsPerDocument: true });
}

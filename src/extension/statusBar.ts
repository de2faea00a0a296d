/**
 * The status bar item: "DICOM: 1,406 images" (opens the summary), the run's progress while
 * indexing, "not indexed", "no DICOM files", or a refused database path (opens its settings file).
 */
import * as vscode from 'vscode';
import { progressText } from '../core/progressText';
import type { IndexService, RunProgress } from './contracts';
import { OPEN_SETTING_COMMAND, refusalText } from './databasePathSetting';
import { imageCount } from '../core/queries/tree';

const nf = new Intl.NumberFormat('en-US');

export class IndexStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dicom.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;
  private images: number | undefined;
  private indexed: string[] = [];

  constructor(private readonly service: IndexService) {
    this.item.name = 'DICOM Index';
    this.subs = [
      service.onDidChangeIndex(() => this.schedule()),
      service.onDidProgress((p) => this.render(p)),
      service.onDidChangeIndexing(() => this.render(service.lastProgress)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
    ];
    this.schedule();
  }

  /** The text shown (tests). */
  get text(): string {
    return this.item.text;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.recount(), 200);
  }

  private async recount(): Promise<void> {
    let total = 0;
    const indexed: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const n = await this.service.withDatabase(folder, imageCount);
      if (n !== undefined) {
        total += n;
        indexed.push(`${folder.name}: ${nf.format(n)} images`);
      }
    }
    this.images = indexed.length ? total : undefined;
    this.indexed = indexed;
    this.render(this.service.lastProgress);
  }

  private render(p: RunProgress | undefined): void {
    if (!(vscode.workspace.workspaceFolders ?? []).length) {
      this.item.hide();
      return;
    }
    const folders = vscode.workspace.workspaceFolders ?? [];
    const refusal = folders.map((f) => this.service.refusal(f)).find((r) => r);
    if (this.service.isIndexing) {
      this.item.text = `$(sync~spin) DICOM: ${p ? progressText(p) : 'indexing'}`;
      this.item.tooltip = 'DICOM: indexing; click for the summary';
      this.item.command = 'dicom.showSummary';
    } else if (refusal) {
      this.item.text = '$(error) DICOM: index path refused';
      this.item.tooltip = `${refusalText(refusal)}\nClick to open the settings file.`;
      this.item.command = { command: OPEN_SETTING_COMMAND, title: 'Open Settings File', arguments: [refusal.folder.uri] };
    } else if (this.images === undefined && folders.some((f) => this.service.indexState(f) === 'noDicom')) {
      this.item.text = '$(database) DICOM: no DICOM files';
      this.item.tooltip = 'DICOM: no DICOM files were found in this workspace (see the dicom.index settings); click to index again';
      this.item.command = 'dicom.indexWorkspace';
    } else if (this.images === undefined) {
      this.item.text = '$(database) DICOM: not indexed';
      this.item.tooltip = 'DICOM: click to index the workspace';
      this.item.command = 'dicom.indexWorkspace';
    } else if (this.images === 0) {
      this.item.text = '$(database) DICOM: no DICOM files';
      this.item.tooltip = `${this.indexed.join('\n')}\nClick for the summary`;
      this.item.command = 'dicom.showSummary';
    } else {
      this.item.text = `$(database) DICOM: ${nf.format(this.images)} ${this.images === 1 ? 'image' : 'images'}`;
      this.item.tooltip = `${this.indexed.join('\n')}\nClick for the summary`;
      this.item.command = 'dicom.showSummary';
    }
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subs.forEach((s) => s.dispose());
    this.item.dispose();
  }
}

/** The status bar item: "DICOM: 1,406 images", spinning while indexing; opens the summary. */
import * as vscode from 'vscode';
import type { IndexService, RunProgress } from './contracts';
import { imageCount } from '../core/treeQueries';

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
    if (this.service.isIndexing) {
      const what = !p ? 'indexing' : p.phase === 'scan' ? `scanning (${nf.format(p.done)})` : p.phase === 'read' ? `indexing ${nf.format(p.done)}/${nf.format(p.total)}` : 'saving';
      this.item.text = `$(sync~spin) DICOM: ${what}`;
      this.item.tooltip = 'DICOM: indexing; click for the summary';
      this.item.command = 'dicom.showSummary';
    } else if (this.images === undefined) {
      this.item.text = '$(database) DICOM: not indexed';
      this.item.tooltip = 'DICOM: click to index the workspace';
      this.item.command = 'dicom.indexWorkspace';
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

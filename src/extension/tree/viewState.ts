/**
 * What the DICOM view shows around its tree: the totals line ("10 patients · 1,292 images") as its
 * description and as the first line of its message (VS Code shows no description for a view alone
 * in its container: the title reads "DICOM: Index"), the problem files as its badge, and in the
 * message a refused database path and the progress of an index run.
 */
import * as vscode from 'vscode';
import { progressText } from '../../core/progressText';
import { indexTotals } from '../../core/queries/totals';
import { problemCount } from '../../core/queries/tree';
import type { IndexService, RunProgress } from '../contracts';
import type { TreeElement } from './elements';
import { count } from './format';

export function trackViewState(service: IndexService, view: vscode.TreeView<TreeElement>): vscode.Disposable {
  let lastMessage = 0;
  let progress: RunProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  let totals: string | undefined;

  const refusals = () => (vscode.workspace.workspaceFolders ?? []).map((f) => service.refusal(f)).filter((r) => r !== undefined);
  const showMessage = () => {
    const lines = refusals().map((r) => `${r.folder.name}: ${r.message}`);
    if (totals) lines.unshift(totals);
    if (progress) lines.push(`Indexing ${progress.folder.name}: ${progressText(progress)}`);
    view.message = lines.length ? lines.join('\n') : undefined;
  };

  const recount = async () => {
    let problems = 0;
    let patients = 0;
    let images = 0;
    let indexed = false;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const n = await service.withDatabase(f, async (idx) => ({ problems: await problemCount(idx), ...(await indexTotals(idx)) }));
      if (!n) continue;
      indexed = true;
      problems += n.problems;
      patients += n.patients;
      images += n.images;
    }
    view.badge = problems ? { value: problems, tooltip: `${count(problems, 'file')} with problems (see Problems)` } : undefined;
    totals = indexed ? `${count(patients, 'patient')} · ${count(images, 'image')}` : undefined;
    view.description = totals;
    showMessage();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void recount(), 100);
  };
  schedule();

  return vscode.Disposable.from(
    service.onDidChangeIndex(schedule),
    vscode.workspace.onDidChangeWorkspaceFolders(schedule),
    service.onDidProgress((p) => {
      progress = p;
      if (p && Date.now() - lastMessage < 500) return;
      lastMessage = Date.now();
      showMessage();
    }),
    { dispose: () => clearTimeout(timer) },
  );
}

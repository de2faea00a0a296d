/**
 * The tree's Checks node, beside Problems: "Checks — 60 of 75 series are volumes", the checks that
 * fired under it (each opening to its series; a series row reveals it in the patient tree), and the
 * dataset-level findings as leaves. The counts come from src/core/queries/checks.ts.
 */
import * as vscode from 'vscode';
import { checksOverview, ChecksOverview, seriesWithCheck } from '../../core/queries/checks';
import { asStore, type IndexSource } from '../../core/store/source';
import { ALL_CHECKS, SEVERITY_RANK, worstSeverity } from '../../shared/checks';
import * as E from './elements';
import { count, num, plain } from './format';
import { escapeMarkdown as esc, safeMarkdown, table } from './markdown';
import { countText } from './seriesFindings';
import { severityIcon } from './severity';

/** Series listed under one check; the rest are counted in a "… and N more" row. */
export const CHECK_SERIES_LIMIT = 2000;
export const REVEAL_SERIES_COMMAND = 'dicom.revealSeries';

/** The Checks node of a folder, or undefined when no series was checked (nothing indexed yet). */
export async function checksNodeOf(idx: IndexSource, folder: vscode.WorkspaceFolder, anchor: E.Anchor): Promise<E.ChecksNode | undefined> {
  const overview = await checksOverview(asStore(idx));
  return overview.series ? E.checksNode(folder, anchor, overview) : undefined;
}

export async function checksChildren(idx: IndexSource, el: E.ChecksNode | E.CheckNode): Promise<E.TreeElement[]> {
  if (el.kind === 'checks') {
    const out: E.TreeElement[] = el.overview.checks.map((t) => E.checkNode(el, t));
    // Dataset-level findings after the series checks of their severity.
    for (const f of el.overview.dataset) {
      const at = out.findIndex((n) => n.kind === 'check' && SEVERITY_RANK[n.tally.severity] < SEVERITY_RANK[f.severity]);
      out.splice(at < 0 ? out.length : at, 0, E.datasetFindingNode(el, f));
    }
    return out;
  }
  const { rows, total } = await seriesWithCheck(asStore(idx), el.tally.check, CHECK_SERIES_LIMIT);
  const out: E.TreeElement[] = rows.map((r) => E.checkSeriesNode(el, r));
  if (total > rows.length) out.push(E.moreNode(el, total - rows.length));
  return out;
}

/** "60 of 75 series are volumes", or when nothing fired, "all 75 series are volumes" (or "… no findings"). */
export function overviewText(o: ChecksOverview): string {
  const fired = o.checks.length + o.dataset.length > 0;
  if (!fired && o.volumes === o.series) return o.series === 1 ? 'the 1 series is a volume' : `all ${num(o.series)} series are volumes`;
  const volumes = `${num(o.volumes)} of ${count(o.series, 'series', 'series')} ${o.volumes === 1 ? 'is a volume' : 'are volumes'}`;
  return fired ? volumes : `no findings · ${volumes}`;
}

/** "LIDC-IDRI-0001 / LUNG 1.25 / #3" (never a PatientName). */
export function flaggedLabel(r: E.CheckSeriesNode['row']): string {
  return [plain(r.PatientID) || '(no Patient ID)', plain(r.SeriesDescription) || plain(r.Modality) || 'Series', r.SeriesNumber !== null ? `#${r.SeriesNumber}` : ''].filter(Boolean).join(' / ');
}

export function checksTreeItem(el: E.ChecksNode | E.CheckNode | E.CheckSeriesNode | E.DatasetFindingNode): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  switch (el.kind) {
    case 'checks': {
      const o = el.overview;
      const fired = o.checks.length + o.dataset.length > 0;
      const item = new vscode.TreeItem('Checks', fired ? C.Collapsed : C.None);
      item.description = overviewText(o);
      const worst = worstSeverity([...o.checks, ...o.dataset]);
      item.iconPath = worst ? severityIcon(worst) : new vscode.ThemeIcon('pass');
      item.tooltip = overviewTooltip(o);
      return item;
    }
    case 'check': {
      const t = el.tally;
      const info = ALL_CHECKS[t.check];
      const item = new vscode.TreeItem(info.title, C.Collapsed);
      // The number of series (what fits the sidebar); the hover adds the check's count.
      item.description = count(t.series, 'series', 'series');
      item.iconPath = severityIcon(t.severity);
      const total = countText(t.check, t.count);
      item.tooltip = `${info.title} (${t.check}, ${t.severity}): ${info.fires}.\n${count(t.series, 'series', 'series')}${total ? `, ${total} in all` : ''}.`;
      return item;
    }
    case 'checkSeries': {
      const r = el.row;
      const item = new vscode.TreeItem(flaggedLabel(r), C.None);
      item.description = plain(r.finding.detail, 160);
      item.iconPath = new vscode.ThemeIcon('layers');
      item.tooltip = `${r.finding.detail}\nSeriesInstanceUID ${r.SeriesInstanceUID}\nClick to show the series in the tree.`;
      item.command = { command: REVEAL_SERIES_COMMAND, title: 'Show in the Tree', arguments: [el] };
      return item;
    }
    case 'datasetFinding': {
      const f = el.finding;
      const info = ALL_CHECKS[f.check];
      const item = new vscode.TreeItem(info.title, C.None);
      item.description = plain(f.detail, 160);
      item.iconPath = severityIcon(f.severity);
      item.tooltip = `${info.title} (${f.check}, ${f.severity}): ${info.fires}.\n${f.detail}.`;
      return item;
    }
  }
}

function overviewTooltip(o: ChecksOverview): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`**Dataset checks**: ${esc(`${count(o.series, 'series', 'series')} checked; ${num(o.volumes)} ${o.volumes === 1 ? 'is a volume' : 'are volumes'}; ${num(o.withFindings)} with findings`)}`);
  const rows = [
    ...o.checks.map((t) => [ALL_CHECKS[t.check].title, t.severity, count(t.series, 'series', 'series'), countText(t.check, t.count) || '–']),
    ...o.dataset.map((f) => [ALL_CHECKS[f.check].title, f.severity, 'dataset', f.detail]),
  ];
  if (rows.length) md.appendMarkdown('\n\n' + table(['Check', 'Severity', 'Series', 'Count'], rows));
  md.appendMarkdown(`\n\n${esc('The same report: dicom-index check. Every series: the Checks sheet of "Export Metadata to Excel…".')}`);
  return md;
}

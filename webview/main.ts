/**
 * The summary panel's browser side. It shows what the host sends (`state`) and asks the host for
 * actions; it never reads files or the database. Every value from DICOM files is set as text.
 */
import { CHART_TITLES, isHostMessage, PROTOCOL_VERSION, type ChartId, type PersistedState, type SummaryState, type WebviewMessage } from '../src/shared/messages';
import { formatCount, formatNumber } from '../src/shared/format';
import {
  formatBytes,
  modalityList,
  problemFiles,
  sortedHistogram,
  thicknessRange,
} from '../src/shared/summaryFormat';
import { Charts, type ChartSpec } from './charts';
import { clear, h } from './dom';
import { SeriesTable } from './table';

type Outgoing = WebviewMessage extends infer M ? (M extends { v: number } ? Omit<M, 'v'> : never) : never;

const vscode = acquireVsCodeApi<PersistedState>();
let persisted: PersistedState = vscode.getState()?.v === PROTOCOL_VERSION ? vscode.getState()! : { v: PROTOCOL_VERSION };

function post(m: Outgoing): void {
  vscode.postMessage({ ...m, v: PROTOCOL_VERSION });
}

function save(patch: Partial<PersistedState>): void {
  persisted = { ...persisted, ...patch, v: PROTOCOL_VERSION };
  vscode.setState(persisted);
}

const charts = new Charts();
let state: SummaryState | undefined;
let busy = false;

// ---- static skeleton ----------------------------------------------------------------------------
const app = document.getElementById('app')!;
const folderSlot = h('span', { class: 'folder' });
const metaLine = h('p', { class: 'meta' });
const actionButtons = {
  csv: h('button', { type: 'button', title: 'Export every indexed file to a CSV file' }, 'Export CSV'),
  xlsx: h('button', { type: 'button', title: 'Export an Excel workbook: summary, series, studies, instances, problems' }, 'Export Excel'),
  copy: h('button', { type: 'button', class: 'secondary', title: 'Copy the statistics as a Markdown table' }, 'Copy summary'),
  refresh: h('button', { type: 'button', class: 'secondary', title: 'Read the index again' }, 'Refresh'),
};
const status = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
const banner = h('div', { class: 'banners' });
const body = h('div', { class: 'content' });

app.append(
  h(
    'header',
    { class: 'top' },
    h('div', { class: 'title' }, h('h1', {}, 'DICOM Summary'), folderSlot),
    h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Summary actions' }, actionButtons.csv, actionButtons.xlsx, actionButtons.copy, actionButtons.refresh),
  ),
  metaLine,
  status,
  banner,
  body,
);

actionButtons.csv.addEventListener('click', () => post({ type: 'export', format: 'csv' }));
actionButtons.xlsx.addEventListener('click', () => post({ type: 'export', format: 'xlsx' }));
actionButtons.copy.addEventListener('click', () => post({ type: 'copySummary' }));
actionButtons.refresh.addEventListener('click', () => post({ type: 'refresh' }));

const table = new SeriesTable({
  onReveal: (uid) => post({ type: 'revealSeries', uid }),
  onViewChange: (sort, filter) => save({ sort, filter }),
  sort: persisted.sort,
  filter: persisted.filter,
});

// ---- rendering ----------------------------------------------------------------------------------
function setBusy(b: boolean): void {
  busy = b;
  const noIndex = !state?.stats;
  actionButtons.csv.disabled = busy || noIndex;
  actionButtons.xlsx.disabled = busy || noIndex;
  actionButtons.copy.disabled = busy || noIndex;
  document.body.classList.toggle('busy', busy);
}

function renderFolder(s: SummaryState): void {
  clear(folderSlot);
  if (s.folders.length > 1) {
    const select = h('select', { 'aria-label': 'Workspace folder' });
    for (const f of s.folders) {
      const opt = h('option', { value: f.uri }, f.name);
      if (f.uri === s.folder) opt.selected = true;
      select.append(opt);
    }
    select.addEventListener('change', () => post({ type: 'selectFolder', folder: select.value }));
    folderSlot.append(select);
  } else {
    const f = s.folders.find((x) => x.uri === s.folder);
    if (f) folderSlot.append(f.name);
  }
}

function card(key: string, label: string, value: string, detail?: string | Node, extraClass = ''): HTMLElement {
  return h(
    'div',
    { class: `card ${extraClass}`.trim(), 'data-key': key },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    detail ? h('div', { class: 'detail' }, detail) : null,
  );
}

function chartFigure(id: ChartId, note?: string): { figure: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { role: 'img', 'aria-label': CHART_TITLES[id] });
  const saveBtn = h('button', { type: 'button', class: 'secondary small', title: 'Save chart as PNG', 'aria-label': `Save chart "${CHART_TITLES[id]}" as PNG` }, 'Save PNG');
  saveBtn.addEventListener('click', () => {
    const dataUrl = charts.png(id, CHART_TITLES[id]);
    if (dataUrl) post({ type: 'savePng', chart: id, dataUrl });
  });
  const figure = h(
    'figure',
    { class: 'chart', 'data-chart': id },
    h('figcaption', {}, h('span', {}, CHART_TITLES[id]), saveBtn),
    h('div', { class: 'chart-box' }, canvas),
    note ? h('p', { class: 'chart-note' }, note) : null,
  );
  return { figure, canvas };
}

function render(s: SummaryState): void {
  state = s;
  renderFolder(s);
  clear(banner);
  const addBanner = (text: string, kind = 'info') => banner.append(h('p', { class: `banner ${kind}` }, text));
  if (s.error) addBanner(s.error, 'error');
  if (s.indexing) addBanner('Indexing… the numbers update when the run finishes.');
  const st = s.stats;
  if (st?.incomplete) addBanner('The last index run was interrupted: these numbers cover part of the workspace. Run "DICOM: Index Workspace" to finish it.', 'warning');

  for (const id of ['thickness', 'seriesThickness', 'modalities'] as ChartId[]) charts.drop(id);
  clear(body);

  if (!s.folder) {
    metaLine.textContent = '';
    body.append(h('div', { class: 'empty' }, h('p', {}, 'Open a folder to index its DICOM files.')));
    setBusy(busy);
    return;
  }
  if (!st) {
    metaLine.textContent = '';
    const btn = h('button', { type: 'button' }, 'Index Workspace');
    btn.addEventListener('click', () => post({ type: 'indexWorkspace' }));
    body.append(h('div', { class: 'empty' }, h('p', {}, s.indexing ? 'The first index run is going.' : 'This folder has no index yet.'), s.indexing ? null : btn));
    setBusy(busy);
    return;
  }

  const when = st.lastIndexed ? new Date(st.lastIndexed) : null;
  metaLine.textContent = `${formatCount(st.files.total)} files · ${when && !isNaN(when.getTime()) ? `indexed ${when.toLocaleString()}` : 'not indexed yet'}`;

  // Cards
  const problems = problemFiles(st);
  const problemLink = h(
    'button',
    { type: 'button', class: 'link', title: 'Reveal the files with problems in the DICOM tree', 'aria-label': `${formatCount(problems)} files with problems: reveal them in the tree` },
    formatCount(problems),
  );
  problemLink.addEventListener('click', () => post({ type: 'revealProblems' }));
  const problemsCard = h(
    'div',
    { class: `card${problems ? ' problems' : ''}`, 'data-key': 'problems' },
    h('div', { class: 'label' }, 'Files with problems'),
    h('div', { class: 'value' }, problems ? problemLink : '0'),
    h('div', { class: 'detail' }, `${formatCount(st.files.error)} unreadable · ${formatCount(st.files.partial)} partial · ${formatCount(st.files.notDicom)} not DICOM`),
  );
  const mods = modalityList(st);
  const p = st.instancesPerStudy;
  body.append(
    h(
      'section',
      { class: 'cards', 'aria-label': 'Statistics' },
      card('patients', 'Patients', formatCount(st.patients)),
      card('studies', 'Studies', formatCount(st.studies)),
      card('series', 'Series', formatCount(st.series)),
      card('instances', 'Instances (slices)', formatCount(st.instances), st.duplicateSopInstances ? `${formatCount(st.duplicateSopInstances)} duplicated SOP instances` : undefined),
      card('perStudy', 'Instances per study', formatNumber(p.mean, 1), p.mean == null ? undefined : `min ${formatNumber(p.min)} · max ${formatNumber(p.max)}`),
      card(
        'thickness',
        'Slice thickness',
        thicknessRange(st),
        st.sliceThickness.missing ? `${formatCount(st.sliceThickness.missing)} instances without` : `${sortedHistogram(st.sliceThickness.histogram).length} distinct values`,
      ),
      card('modalities', 'Modalities', mods.length ? mods.map((m) => m[0]).join(', ') : 'none', mods.length > 1 ? mods.map(([m, n]) => `${m} ${formatCount(n)}`).join(' · ') : undefined),
      card('size', 'Size on disk', formatBytes(st.totalBytes)),
      problemsCard,
    ),
  );

  // Charts
  const hist = sortedHistogram(st.sliceThickness.histogram);
  const seriesHist = sortedHistogram(st.sliceThickness.seriesHistogram);
  const specs: [ChartId, ChartSpec, string | undefined][] = [
    ['thickness', { labels: hist.map((x) => formatNumber(Number(x[0]), 3)), values: hist.map((x) => x[1]), unit: 'instances', xTitle: 'mm' }, st.sliceThickness.missing ? `${formatCount(st.sliceThickness.missing)} instances have no slice thickness.` : undefined],
    ['seriesThickness', { labels: seriesHist.map((x) => formatNumber(Number(x[0]), 3)), values: seriesHist.map((x) => x[1]), unit: 'series', xTitle: 'mm' }, 'A series with several thicknesses counts once for each.'],
    ['modalities', { labels: mods.map((m) => m[0]), values: mods.map((m) => m[1]), unit: 'instances' }, undefined],
  ];
  const chartSection = h('section', { class: 'charts', 'aria-label': 'Charts' });
  body.append(chartSection);
  specs.forEach(([id, spec, note], i) => {
    const { figure, canvas } = chartFigure(id, note);
    chartSection.append(figure);
    if (spec.values.length) charts.show(id, canvas, spec, i);
    else figure.querySelector('.chart-box')!.replaceChildren(h('p', { class: 'chart-empty' }, 'No values.'));
  });

  // Series table
  body.append(table.element);
  table.setRows(s.series, s.seriesTotal);
  setBusy(busy);
}

// ---- messages from the host ---------------------------------------------------------------------
window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data;
  if (!isHostMessage(m)) return;
  switch (m.type) {
    case 'state':
      save({ state: m.state, folder: m.state.folder });
      render(m.state);
      break;
    case 'busy':
      setBusy(m.busy);
      if (m.busy && m.action) showNotice(`${m.action}…`, 'info');
      break;
    case 'notice':
      showNotice(m.text, m.kind);
      break;
  }
});

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function showNotice(text: string, kind: 'info' | 'error'): void {
  status.textContent = text;
  status.className = `notice ${kind}`;
  clearTimeout(noticeTimer);
  if (kind === 'info') noticeTimer = setTimeout(() => (status.textContent = ''), 8000);
}

// Theme changes: VS Code swaps the body's classes (vscode-light / vscode-dark / vscode-high-contrast)
// and the --vscode-* variables on <html>; redraw once per frame after either.
let rethemeQueued = false;
const retheme = () => {
  if (rethemeQueued) return;
  rethemeQueued = true;
  requestAnimationFrame(() => {
    rethemeQueued = false;
    charts.retheme();
  });
};
new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(retheme).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

if (persisted.state) render(persisted.state);
else setBusy(false);
post({ type: 'ready' });

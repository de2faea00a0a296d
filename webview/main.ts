/**
 * The summary panel's browser side. It shows what the host sends (`state`) and asks the host for
 * actions; it never reads files or the database. Every value from DICOM files is set as text.
 */
import { formatCount, formatNumber, formatTimestamp } from '../src/shared/format';
import {
  CHART_IDS,
  CHART_TITLES,
  isHostMessage,
  PROTOCOL_VERSION,
  type ChartId,
  type ChecksSummary,
  type PanelView,
  type PersistedState,
  type SeriesFacet,
  type StatsData,
  type SummaryState,
  type WebviewMessage,
} from '../src/shared/messages';
import { sortedHistogram } from '../src/shared/summaryFormat';
import { closePopoversOnOutsideClick, findings, statisticsCards } from './cards';
import { Charts, type ChartBar, type ChartSpec } from './charts';
import { ChecksSection } from './checks';
import { CohortSection } from './cohort';
import { clear, h } from './dom';
import { SeriesTable } from './table';

type Outgoing = WebviewMessage extends infer M ? (M extends { v: number } ? Omit<M, 'v'> : never) : never;

const vscode = acquireVsCodeApi<PersistedState>();
let persisted: PersistedState = vscode.getState()?.v === PROTOCOL_VERSION ? vscode.getState()! : { v: PROTOCOL_VERSION };

function post(m: Outgoing): void {
  vscode.postMessage({ ...m, v: PROTOCOL_VERSION });
}

const VIEW_KEYS = ['sort', 'filter', 'facet', 'cohort'];
let viewTimer: ReturnType<typeof setTimeout> | undefined;

/** Keeps `patch` in the webview state; a change of the view also goes to the host (its copy, debounced). */
function save(patch: Partial<PersistedState>): void {
  const viewChanged = Object.keys(patch).some((k) => VIEW_KEYS.includes(k));
  persisted = { ...persisted, ...patch, v: PROTOCOL_VERSION, ...(viewChanged ? { savedAt: Date.now() } : {}) };
  vscode.setState(persisted);
  if (!viewChanged) return;
  clearTimeout(viewTimer);
  viewTimer = setTimeout(() => post({ type: 'saveView', view: currentView() }), 300);
}

function currentView(): PanelView {
  const { savedAt, sort, filter, facet, cohort } = persisted;
  return { savedAt: savedAt ?? Date.now(), sort, filter, facet, cohort };
}

/** The host's copy of the view, when newer than this webview's own (a reload outran VS Code's save of it). */
function applyView(view: PanelView): void {
  if (view.savedAt <= (persisted.savedAt ?? 0)) return;
  persisted = { ...persisted, sort: view.sort, filter: view.filter, facet: view.facet, cohort: view.cohort, savedAt: view.savedAt, v: PROTOCOL_VERSION };
  vscode.setState(persisted);
  table.restoreView(view);
  cohort.setForm(view.cohort);
}

let state: SummaryState | undefined;
let busy = false;
/** Where the keyboard's chart cursor and the table's filter changes are read out. */
const live = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'chart-live' });

const charts = new Charts({
  onPick: (id, bar) => pickBar(id, bar),
  onCursor: (_id, text) => (live.textContent = text),
});

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
  onViewChange: (view) => save(view),
  onFacetChange: (facet) => {
    markPicked(facet);
    checks.setActive(facet?.kind === 'check' ? facet.value : undefined);
  },
  sort: persisted.sort,
  filter: persisted.filter,
  facet: persisted.facet,
});

const checks = new ChecksSection({
  onPick: (check) => {
    const cur = table.currentFacet;
    if (!check) {
      if (cur?.kind === 'check') table.setFacet(undefined);
    } else {
      table.setFacet({ kind: 'check', value: check });
    }
    const now = table.currentFacet;
    live.textContent = now ? `Series table filtered: ${table.captionText}.` : `Filter removed: ${table.captionText}.`;
    // The table is further down: bring it into view when it was just filtered.
    if (now?.kind === 'check') table.element.scrollIntoView({ block: 'start' });
  },
});

const cohort = new CohortSection({
  form: persisted.cohort,
  onChange: (form) => save({ cohort: form }),
  onCount: (seq, filter) => post({ type: 'cohortCount', seq, filter }),
  onExport: (format, filter) => post({ type: 'exportCohort', format, filter }),
});
closePopoversOnOutsideClick(app);

// ---- rendering ----------------------------------------------------------------------------------
/** True when the folder's index holds DICOM files: the exports and the Markdown have something to say. */
const hasData = (s: SummaryState | undefined) => !!s?.stats && s.stats.instances > 0;

function setBusy(b: boolean): void {
  busy = b;
  const none = !hasData(state);
  actionButtons.csv.disabled = busy || none;
  actionButtons.xlsx.disabled = busy || none;
  actionButtons.copy.disabled = busy || none;
  cohort.setBusy(busy);
  cohort.setHasData(!none);
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

interface ChartPlan {
  id: ChartId;
  spec: ChartSpec;
  /** Header of the accessible table's first column. */
  keyHeader: string;
  facet: (bar: ChartBar) => SeriesFacet;
  note?: string;
}

function chartPlans(st: StatsData, ck: ChecksSummary | null | undefined): ChartPlan[] {
  const thicknessBars = (hist: Record<string, number>): ChartBar[] =>
    sortedHistogram(hist).map(([k, n]) => ({ key: Number(k), label: formatNumber(Number(k)), count: n }));
  const byThickness = (bar: ChartBar): SeriesFacet => ({ kind: 'thickness', value: Number(bar.key) });
  const modalities = Object.entries(st.modalities).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const stepPlan: ChartPlan[] = ck
    ? [
        {
          id: 'seriesStep',
          spec: { axis: 'numeric', bars: thicknessBars(ck.stepHistogram), unit: 'series', xUnit: 'mm' },
          keyHeader: 'Measured step (mm)',
          facet: (bar) => ({ kind: 'step', value: Number(bar.key) }),
          note: `The median distance between neighbouring slices of each series, measured from their positions.${ck.noStep ? ` ${formatCount(ck.noStep)} series have no measured step.` : ''}`,
        },
      ]
    : [];
  return [
    {
      id: 'thickness',
      spec: { axis: 'numeric', bars: thicknessBars(st.sliceThickness.histogram), unit: 'instances', xUnit: 'mm' },
      keyHeader: 'Slice thickness (mm)',
      facet: byThickness,
      note: st.sliceThickness.missing ? `${formatCount(st.sliceThickness.missing)} instances have no slice thickness.` : undefined,
    },
    {
      id: 'seriesThickness',
      spec: { axis: 'numeric', bars: thicknessBars(st.sliceThickness.seriesHistogram), unit: 'series', xUnit: 'mm' },
      keyHeader: 'Slice thickness (mm)',
      facet: byThickness,
      note: 'A series with several thicknesses counts once for each.',
    },
    ...stepPlan,
    {
      id: 'modalities',
      spec: { axis: 'category', bars: modalities.map(([m, n]) => ({ key: m, label: m || '(none)', count: n })), unit: 'instances' },
      keyHeader: 'Modality',
      facet: (bar) => ({ kind: 'modality', value: String(bar.key) }),
    },
  ];
}

let plans: ChartPlan[] = [];

/** The index of the bar a facet stands for in a chart, if that chart shows it. */
function pickedIndex(plan: ChartPlan, f: SeriesFacet | undefined): number | undefined {
  if (!f) return undefined;
  const i = plan.spec.bars.findIndex((b) => {
    const g = plan.facet(b);
    if (g.kind !== f.kind) return false;
    return typeof g.value === 'number' ? Math.abs(g.value - Number(f.value)) <= 1e-9 * Math.max(1, Math.abs(g.value)) : g.value === f.value;
  });
  return i < 0 ? undefined : i;
}

function markPicked(f: SeriesFacet | undefined): void {
  for (const plan of plans) {
    const canvas = document.querySelector<HTMLCanvasElement>(`figure[data-chart="${plan.id}"] canvas`);
    if (canvas && plan.spec.bars.length) charts.show(plan.id, canvas, { ...plan.spec, picked: pickedIndex(plan, f) }, plans.indexOf(plan));
  }
}

function pickBar(id: ChartId, bar: ChartBar): void {
  const plan = plans.find((p) => p.id === id);
  if (!plan) return;
  table.setFacet(plan.facet(bar));
  live.textContent = table.currentFacet ? `Series table filtered: ${table.captionText}.` : `Filter removed: ${table.captionText}.`;
}

/**
 * A chart with its accessible data table (read by screen readers; the canvas is the picture). The
 * data rows are the table's own children (no tbody, as the HTML content model allows), so that
 * `table tbody tr` still means the series table's rows.
 */
function chartFigure(plan: ChartPlan): { figure: HTMLElement; canvas: HTMLCanvasElement } {
  const { id, spec } = plan;
  const title = CHART_TITLES[id];
  const dataTable = h(
    'table',
    { class: 'sr-only', id: `${id}-data` },
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, plan.keyHeader), h('th', { scope: 'col' }, spec.unit === 'series' ? 'Series' : 'Instances'))),
    ...spec.bars.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', {}, formatCount(b.count)))),
  );
  const range = spec.bars.length ? `${spec.bars.length} ${spec.bars.length === 1 ? 'bar' : 'bars'}, ${spec.bars[0].label} to ${spec.bars[spec.bars.length - 1].label}${spec.xUnit ? ` ${spec.xUnit}` : ''}` : 'no values';
  const canvas = h('canvas', {
    role: 'img',
    tabindex: spec.bars.length ? 0 : undefined,
    'aria-label': `${title}: ${range}. Left and Right arrows choose a bar, Enter filters the series table to it.`,
    'aria-describedby': `${id}-data`,
  });
  const saveBtn = h('button', { type: 'button', class: 'secondary small', title: 'Save chart as PNG', 'aria-label': `Save chart "${title}" as PNG` }, 'Save PNG');
  saveBtn.addEventListener('click', () => {
    const dataUrl = charts.png(id, title);
    if (dataUrl) post({ type: 'savePng', chart: id, dataUrl });
  });
  const figure = h(
    'figure',
    { class: 'chart', 'data-chart': id },
    h('figcaption', {}, h('span', {}, title), saveBtn),
    h('div', { class: 'chart-box' }, canvas),
    dataTable,
    plan.note ? h('p', { class: 'chart-note' }, plan.note) : null,
  );
  return { figure, canvas };
}

function emptyState(s: SummaryState, st: StatsData): HTMLElement {
  const btn = h('button', { type: 'button', class: 'secondary' }, 'Index Again');
  btn.addEventListener('click', () => post({ type: 'indexWorkspace' }));
  const n = st.files.total;
  const kinds = `${formatCount(st.files.notDicom)} not DICOM, ${formatCount(st.files.error)} unreadable`;
  const looked =
    n === 0
      ? 'No file in this folder looks like a DICOM file (a .dcm name, or DICM at byte 128).'
      : n === 1
        ? `One file was found, and it is not a readable DICOM file (${kinds}).`
        : `${formatCount(n)} files were found, none of them a readable DICOM file (${kinds}).`;
  const problems = h('button', { type: 'button', class: 'link' }, n === 1 ? 'Show it in the tree' : 'Show them in the tree');
  problems.addEventListener('click', () => post({ type: 'revealProblems' }));
  return h(
    'div',
    { class: 'empty', 'data-empty': 'no-dicom' },
    h('h2', {}, 'No DICOM files in this folder'),
    h('p', {}, looked, n ? ' ' : '', n ? problems : null),
    h('p', {}, 'Add DICOM files to the folder (they are indexed as they arrive), or check the ', h('code', {}, 'dicom.index.include'), ' and ', h('code', {}, 'dicom.index.exclude'), ' settings.'),
    s.indexing ? null : btn,
  );
}

function render(s: SummaryState, fromHost = true): void {
  state = s;
  renderFolder(s);
  clear(banner);
  const addBanner = (text: string, kind = 'info') => banner.append(h('p', { class: `banner ${kind}` }, text));
  if (s.error) addBanner(s.error, 'error');
  if (s.indexing) addBanner('Indexing… the numbers update when the run finishes.');
  const st = s.stats;
  if (st?.incomplete) addBanner('The last index run was interrupted: these numbers cover part of the workspace. Run "DICOM: Index Workspace" to finish it.', 'warning');

  for (const id of CHART_IDS) charts.drop(id);
  plans = [];
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
    body.append(
      h(
        'div',
        { class: 'empty', 'data-empty': 'no-index' },
        h('h2', {}, s.indexing ? 'The first index run is going' : 'No index for this folder yet'),
        h('p', {}, 'Indexing reads the headers of the DICOM files in the folder (.dcm files, and files with DICM at byte 128). A folder without any gets no index: nothing to show here.'),
        s.indexing ? null : btn,
      ),
    );
    setBusy(busy);
    return;
  }

  const indexed = st.lastIndexed ? formatTimestamp(st.lastIndexed) : '';
  metaLine.textContent = `${formatCount(st.files.total)} ${st.files.total === 1 ? 'file' : 'files'} · ${indexed ? `indexed ${indexed}` : 'not indexed yet'}`;

  if (!st.instances) {
    body.append(emptyState(s, st));
    setBusy(busy);
    return;
  }

  body.append(statisticsCards(st, () => post({ type: 'revealProblems' })));
  const found = findings(st);
  if (found) body.append(found);

  // Dataset checks
  const facet = table.currentFacet;
  checks.render(s.checks, facet?.kind === 'check' ? facet.value : undefined);
  body.append(checks.element);

  // Charts
  plans = chartPlans(st, s.checks);
  const chartSection = h('section', { class: 'charts', 'aria-label': 'Charts' }, live);
  body.append(chartSection);
  plans.forEach((plan, i) => {
    const { figure, canvas } = chartFigure(plan);
    chartSection.append(figure);
    if (plan.spec.bars.length) charts.show(plan.id, canvas, { ...plan.spec, picked: pickedIndex(plan, table.currentFacet) }, i);
    else figure.querySelector('.chart-box')!.replaceChildren(h('p', { class: 'chart-empty' }, 'No values.'));
  });

  // Cohort
  cohort.setModalities(Object.keys(st.modalities));
  body.append(cohort.element);
  // A state restored from before the reload is shown at once; the count waits for the host's.
  if (fromHost) cohort.recount();

  // Series table
  body.append(table.element);
  table.setRows(s.series, s.seriesTotal, st.series);
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
    case 'cohortCount':
      cohort.answer(m.seq, m.count, m.error);
      break;
    case 'view':
      applyView(m.view);
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

if (persisted.state) render(persisted.state, false);
else setBusy(false);
post({ type: 'ready' });

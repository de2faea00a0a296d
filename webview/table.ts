/**
 * The series table: one row per Series UID (and rows for groups of files with none), sortable by
 * any column, filtered by text and by a chart bar (the filter chip); a row reveals its series in
 * the tree.
 *
 * Keyboard: the table is one Tab stop (a roving tabindex over the column headers and the rows).
 * Up/Down, Page Up/Down, Home/End move between rows, Enter reveals the row's series; Up from the
 * first row reaches the headers, where Left/Right move and Enter sorts; Down goes back to the rows.
 */
import { ALL_CHECKS } from '../src/shared/checks';
import { countOf, formatCount, formatDicomDate, formatNumber, formatPersonName } from '../src/shared/format';
import type { SeriesColumn, SeriesFacet, SeriesRow } from '../src/shared/messages';
import { formatPixelSpacing } from '../src/shared/summaryFormat';
import { clear, h } from './dom';

/** Rows rendered at most (after filtering): the DOM stays light; the filter narrows the rest. */
export const MAX_RENDERED_ROWS = 2000;
const PAGE_ROWS = 10;
export const NO_SERIES_UID = '(no Series UID)';

interface Column {
  key: SeriesColumn;
  label: string;
  numeric?: boolean;
  text: (r: SeriesRow) => string;
  sortValue: (r: SeriesRow) => string | number;
  /** The cell's content when it is more than its text. */
  cell?: (r: SeriesRow) => Node;
}

const patientName = (r: SeriesRow) => formatPersonName(r.patientName);
const description = (r: SeriesRow) => r.description || (r.seriesNumber != null ? `#${r.seriesNumber}` : '');

function conflictNote(r: SeriesRow): string {
  return `The files of this series disagree on ${r.conflicts.join(', ')}; each file keeps its own values (the exports show them file by file).`;
}

function descriptionCell(r: SeriesRow): Node {
  const frag = document.createDocumentFragment();
  if (!r.uid) frag.append(h('span', { class: 'no-uid', title: 'These files have no SeriesInstanceUID: they are counted as files, not as a series.' }, NO_SERIES_UID), ' ');
  frag.append(description(r));
  if (r.conflicts.length) {
    const note = conflictNote(r);
    frag.append(' ', h('span', { class: 'conflict', role: 'img', title: note, 'aria-label': note }, '\u26a0\ufe0e'));
  }
  return frag;
}

const COLUMNS: Column[] = [
  // Rows with no name or no ID sort after the others (ascending).
  { key: 'patient', label: 'Patient', text: patientName, sortValue: (r) => (formatPersonName(r.patientName, '') || '\uffff') },
  { key: 'patientId', label: 'Patient ID', text: (r) => r.patientId || '(none)', sortValue: (r) => r.patientId || '\uffff' },
  { key: 'studyDate', label: 'Study date', text: (r) => formatDicomDate(r.studyDate), sortValue: (r) => formatDicomDate(r.studyDate) },
  { key: 'modality', label: 'Modality', text: (r) => r.modality, sortValue: (r) => r.modality },
  {
    key: 'description',
    label: 'Series description',
    text: (r) => [r.uid ? '' : NO_SERIES_UID, description(r)].filter(Boolean).join(' '),
    sortValue: description,
    cell: descriptionCell,
  },
  { key: 'images', label: 'Images', numeric: true, text: (r) => formatCount(r.images), sortValue: (r) => r.images },
  {
    key: 'thickness',
    label: 'Slice thickness (mm)',
    numeric: true,
    text: (r) => r.thickness.map((t) => formatNumber(t)).join(', '),
    sortValue: (r) => (r.thickness.length ? r.thickness[0] : Number.POSITIVE_INFINITY),
  },
  {
    key: 'pixelSpacing',
    label: 'Pixel spacing (mm)',
    numeric: true,
    text: (r) => r.pixelSpacing.map(formatPixelSpacing).join(', '),
    sortValue: (r) => (r.pixelSpacing.length ? Number(r.pixelSpacing[0].split('\\')[0]) || 0 : Number.POSITIVE_INFINITY),
  },
  {
    key: 'size',
    label: 'Rows × columns',
    numeric: true,
    text: (r) => r.size.join(', '),
    sortValue: (r) => (r.size.length ? r.size[0].split('×').reduce((a, b) => a * (Number(b) || 0), 1) : Number.POSITIVE_INFINITY),
  },
];

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Same thickness: the chart's key and the row's value come from one stored number, printed two ways. */
const sameThickness = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

export function matchesFacet(r: SeriesRow, f: SeriesFacet | undefined): boolean {
  if (!f) return true;
  switch (f.kind) {
    case 'thickness':
      return r.thickness.some((t) => sameThickness(t, f.value));
    case 'step':
      return r.step != null && sameThickness(r.step, f.value);
    case 'modality':
      return r.modality === f.value;
    case 'check':
      return (r.findings ?? []).includes(f.value);
  }
}

export function facetLabel(f: SeriesFacet): string {
  switch (f.kind) {
    case 'thickness':
      return `Slice thickness ${formatNumber(f.value)} mm`;
    case 'step':
      return `Measured step ${formatNumber(f.value)} mm`;
    case 'modality':
      return `Modality ${f.value || '(none)'}`;
    case 'check':
      return `Check: ${ALL_CHECKS[f.value]?.title ?? f.value}`;
  }
}

/** "75 series · 2 groups of files without a Series UID"; with a filter, "Showing 3 of 75 series …". */
export function seriesCaption(shown: SeriesRow[], all: SeriesRow[], seriesTotal: number, filtered: boolean): string {
  const groups = (rows: SeriesRow[]) => rows.filter((r) => !r.uid).length;
  const allGroups = groups(all);
  const groupsText = (n: number) => `${formatCount(n)} ${n === 1 ? 'group' : 'groups'} of files without a Series UID`;
  if (!filtered) return [`${formatCount(seriesTotal)} series`, allGroups ? groupsText(allGroups) : ''].filter(Boolean).join(' · ');
  const shownSeries = shown.length - groups(shown);
  const head = `Showing ${formatCount(shownSeries)} of ${formatCount(seriesTotal)} series`;
  const shownGroups = groups(shown);
  return shownGroups ? `${head} · ${formatCount(shownGroups)} of ${groupsText(allGroups)}` : head;
}

export interface TableOptions {
  onReveal: (uid: string) => void;
  onViewChange: (view: { sort: { column: SeriesColumn; descending: boolean }; filter: string; facet?: SeriesFacet }) => void;
  /** The chip was removed (the charts drop their chosen bar). */
  onFacetChange: (facet: SeriesFacet | undefined) => void;
  sort?: { column: SeriesColumn; descending: boolean };
  filter?: string;
  facet?: SeriesFacet;
}

export class SeriesTable {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly caption: HTMLElement;
  private readonly chipSlot: HTMLElement;
  private readonly note: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly headers = new Map<SeriesColumn, HTMLTableCellElement>();
  private readonly sortButtons: HTMLButtonElement[] = [];
  private rows: SeriesRow[] = [];
  private shown: SeriesRow[] = [];
  private total = 0;
  private seriesTotal = 0;
  private sort: { column: SeriesColumn; descending: boolean };
  private facet: SeriesFacet | undefined;
  /** The row the roving tabindex is on (kept across sorting and filtering when still shown). */
  private activeRow: SeriesRow | undefined;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: TableOptions) {
    this.sort = opts.sort && COLUMNS.some((c) => c.key === opts.sort!.column) ? opts.sort : { column: 'patient', descending: false };
    this.facet = opts.facet;
    const heading = h('h2', { id: 'series-heading' }, 'Series');
    this.filterInput = h('input', { type: 'search', placeholder: 'Filter series…', 'aria-label': 'Filter series by text', class: 'filter' });
    this.filterInput.value = opts.filter ?? '';
    this.filterInput.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => this.update(true), 120);
    });
    const headRow = h('tr');
    for (const c of COLUMNS) {
      const btn = h('button', { type: 'button', class: 'sort', tabindex: -1, 'data-column': c.key }, c.label);
      btn.addEventListener('click', () => {
        this.sort = this.sort.column === c.key ? { column: c.key, descending: !this.sort.descending } : { column: c.key, descending: false };
        this.update(true);
      });
      this.sortButtons.push(btn);
      const th = h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, btn);
      this.headers.set(c.key, th);
      headRow.append(th);
    }
    this.tbody = h('tbody');
    this.tbody.addEventListener('click', (e) => {
      const r = this.rowOf(e.target);
      if (r) {
        this.setActive(r.tr);
        this.reveal(r.row);
      }
    });
    this.caption = h('p', { class: 'table-caption', id: 'series-caption', 'aria-live': 'polite' });
    this.chipSlot = h('div', { class: 'chips' });
    this.table = h(
      'table',
      { 'aria-labelledby': 'series-heading', 'aria-describedby': 'series-caption series-keys' },
      h('thead', {}, headRow),
      this.tbody,
    );
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    this.table.addEventListener('focusin', (e) => {
      const t = e.target as HTMLElement;
      if (t.matches('tbody tr[data-i], th button.sort')) this.setActive(t);
    });
    this.note = h('p', { class: 'table-note' });
    this.element = h(
      'section',
      { class: 'series', 'aria-labelledby': 'series-heading' },
      h('div', { class: 'series-head' }, h('div', { class: 'series-title' }, heading, this.chipSlot), this.filterInput),
      this.caption,
      h('p', { class: 'sr-only', id: 'series-keys' }, 'Up and Down arrows move between rows, Enter reveals the series in the DICOM tree; Up from the first row reaches the column headers.'),
      h('div', { class: 'table-wrap' }, this.table),
      this.note,
    );
  }

  setRows(rows: SeriesRow[], total: number, seriesTotal: number): void {
    this.rows = rows;
    this.total = total;
    this.seriesTotal = seriesTotal;
    this.update(false);
  }

  /** Filters to a chart bar (or drops that filter); the same bar again drops it. */
  setFacet(f: SeriesFacet | undefined): void {
    this.facet = f && this.facet && f.kind === this.facet.kind && f.value === this.facet.value ? undefined : f;
    this.update(true);
    this.opts.onFacetChange(this.facet);
  }

  /** Takes a view saved elsewhere (the host's copy after a reload): sort, text filter and chip. */
  restoreView(view: { sort?: { column: SeriesColumn; descending: boolean }; filter?: string; facet?: SeriesFacet }): void {
    if (view.sort && COLUMNS.some((c) => c.key === view.sort!.column)) this.sort = view.sort;
    this.filterInput.value = view.filter ?? '';
    this.facet = view.facet;
    this.update(false);
    this.opts.onFacetChange(this.facet);
  }

  get currentFacet(): SeriesFacet | undefined {
    return this.facet;
  }

  /** How many series and groups the table shows now (for the live region after a chart pick). */
  get captionText(): string {
    return this.caption.textContent ?? '';
  }

  private reveal(r: SeriesRow): void {
    if (r.uid) this.opts.onReveal(r.uid);
  }

  private rowOf(target: EventTarget | null): { tr: HTMLTableRowElement; row: SeriesRow } | undefined {
    const tr = (target as HTMLElement | null)?.closest?.('tbody tr[data-i]') as HTMLTableRowElement | null;
    const row = tr ? this.shown[Number(tr.dataset.i)] : undefined;
    return tr && row ? { tr, row } : undefined;
  }

  private rowElements(): HTMLTableRowElement[] {
    return [...this.tbody.querySelectorAll<HTMLTableRowElement>('tr[data-i]')];
  }

  /** Moves the one Tab stop of the table to `el`; a row the user went to is kept across re-renders. */
  private setActive(el: HTMLElement, chosen = true): void {
    for (const x of [...this.sortButtons, ...this.rowElements()]) x.tabIndex = x === el ? 0 : -1;
    if (chosen && el instanceof HTMLTableRowElement) this.activeRow = this.shown[Number(el.dataset.i)];
  }

  private focus(el: HTMLElement | undefined): void {
    if (!el) return;
    this.setActive(el);
    el.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    const rows = this.rowElements();
    const r = this.rowOf(t);
    if (r) {
      const i = rows.indexOf(r.tr);
      let next: number | undefined;
      switch (e.key) {
        case 'ArrowDown':
          next = i + 1;
          break;
        case 'ArrowUp':
          if (i === 0) {
            e.preventDefault();
            this.focus(this.sortButtons[COLUMNS.findIndex((c) => c.key === this.sort.column)]);
            return;
          }
          next = i - 1;
          break;
        case 'PageDown':
          next = Math.min(rows.length - 1, i + PAGE_ROWS);
          break;
        case 'PageUp':
          next = Math.max(0, i - PAGE_ROWS);
          break;
        case 'Home':
          next = 0;
          break;
        case 'End':
          next = rows.length - 1;
          break;
        case 'Enter':
        case ' ':
          e.preventDefault();
          this.reveal(r.row);
          return;
        default:
          return;
      }
      e.preventDefault();
      if (next >= 0 && next < rows.length) this.focus(rows[next]);
      return;
    }
    const b = this.sortButtons.indexOf(t as HTMLButtonElement);
    if (b < 0) return;
    const to = { ArrowLeft: b - 1, ArrowRight: b + 1, Home: 0, End: this.sortButtons.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      this.focus(this.sortButtons[Math.max(0, Math.min(this.sortButtons.length - 1, to))]);
    } else if (e.key === 'ArrowDown' && rows.length) {
      e.preventDefault();
      const at = this.activeRow ? this.shown.indexOf(this.activeRow) : -1;
      this.focus(rows[Math.max(0, at)]);
    }
  }

  private renderChip(): void {
    clear(this.chipSlot);
    const f = this.facet;
    if (!f) return;
    const label = facetLabel(f);
    const remove = h('button', { type: 'button', class: 'chip-remove', title: 'Remove this filter', 'aria-label': `Remove the filter: ${label}` }, '×');
    remove.addEventListener('click', () => {
      this.setFacet(undefined);
      this.filterInput.focus();
    });
    this.chipSlot.append(h('span', { class: 'chip', 'data-facet': f.kind }, h('span', {}, label), remove));
  }

  private update(viewChanged: boolean): void {
    const filter = this.filterInput.value.trim().toLowerCase();
    if (viewChanged) this.opts.onViewChange({ sort: this.sort, filter: this.filterInput.value, facet: this.facet });
    this.renderChip();
    const col = COLUMNS.find((c) => c.key === this.sort.column)!;
    const terms = filter.split(/\s+/).filter(Boolean);
    const matching = this.rows.filter((r) => {
      if (!matchesFacet(r, this.facet)) return false;
      if (!terms.length) return true;
      const hay = [r.patientName, r.patientId, r.studyDate, r.uid, ...COLUMNS.map((c) => c.text(r))].join(' ').toLowerCase();
      return terms.every((t) => hay.includes(t));
    });
    const dir = this.sort.descending ? -1 : 1;
    matching.sort((a, b) => {
      const x = col.sortValue(a);
      const y = col.sortValue(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return c * dir;
    });
    for (const [key, th] of this.headers) th.setAttribute('aria-sort', key === this.sort.column ? (this.sort.descending ? 'descending' : 'ascending') : 'none');

    this.shown = matching.slice(0, MAX_RENDERED_ROWS);
    const hadFocus = this.tbody.contains(document.activeElement);
    const frag = document.createDocumentFragment();
    this.shown.forEach((r, i) => {
      const tr = h('tr', {
        tabindex: -1,
        'data-i': i,
        'data-uid': r.uid,
        class: r.uid ? undefined : 'no-uid-row',
        title: r.uid ? 'Reveal this series in the DICOM tree (Enter)' : 'Files without a Series UID: not a series, nothing to reveal',
      });
      for (const c of COLUMNS) tr.append(h('td', { class: c.numeric ? `c-${c.key} num` : `c-${c.key}` }, c.cell ? c.cell(r) : c.text(r)));
      frag.append(tr);
    });
    clear(this.tbody);
    this.tbody.append(frag);
    const filtered = terms.length > 0 || !!this.facet;
    if (!this.shown.length) this.tbody.append(h('tr', { class: 'none' }, h('td', { colspan: COLUMNS.length }, this.rows.length ? 'No series match the filter.' : 'No series.')));

    // The Tab stop: the row it was on if still shown, else the first row, else the sorted column's header.
    const rows = this.rowElements();
    const at = this.activeRow ? this.shown.indexOf(this.activeRow) : -1;
    const active = rows[Math.max(0, at)] ?? this.sortButtons[COLUMNS.indexOf(col)];
    if (!this.sortButtons.includes(document.activeElement as HTMLButtonElement)) this.setActive(active, false);
    else this.setActive(document.activeElement as HTMLElement, false);
    if (hadFocus && active instanceof HTMLTableRowElement) active.focus();

    const capped = this.total > this.rows.length;
    this.caption.textContent = seriesCaption(matching, this.rows, capped ? this.seriesTotal : this.rows.filter((r) => r.uid).length, filtered);
    const notes: string[] = [];
    if (capped) notes.push(`The table lists the first ${formatCount(this.rows.length)} of ${countOf(this.total, 'row')} (by patient and study date); the exports have them all.`);
    if (matching.length > this.shown.length) notes.push(`Showing ${formatCount(this.shown.length)} of ${formatCount(matching.length)} matching rows: type in the filter to narrow them.`);
    this.note.textContent = notes.join(' ');
  }
}

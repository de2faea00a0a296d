/** The series table: sortable by any column, filtered by text; a row reveals its series in the tree. */
import type { SeriesColumn, SeriesRow } from '../src/shared/messages';
import { formatCount, formatDicomDate, formatNumber } from '../src/shared/format';
import { formatPixelSpacing } from '../src/shared/summaryFormat';
import { clear, h } from './dom';

/** Rows rendered at most (after filtering): the DOM stays light; the filter narrows the rest. */
export const MAX_RENDERED_ROWS = 2000;

interface Column {
  key: SeriesColumn;
  label: string;
  numeric?: boolean;
  text: (r: SeriesRow) => string;
  sortValue: (r: SeriesRow) => string | number;
}

const COLUMNS: Column[] = [
  { key: 'patient', label: 'Patient', text: (r) => r.patient || '(no ID)', sortValue: (r) => r.patient },
  { key: 'studyDate', label: 'Study date', text: (r) => formatDicomDate(r.studyDate), sortValue: (r) => r.studyDate },
  { key: 'modality', label: 'Modality', text: (r) => r.modality, sortValue: (r) => r.modality },
  {
    key: 'description',
    label: 'Series description',
    text: (r) => r.description || (r.seriesNumber != null ? `#${r.seriesNumber}` : ''),
    sortValue: (r) => r.description,
  },
  { key: 'images', label: 'Images', numeric: true, text: (r) => formatCount(r.images), sortValue: (r) => r.images },
  {
    key: 'thickness',
    label: 'Slice thickness (mm)',
    numeric: true,
    text: (r) => r.thickness.map((t) => formatNumber(t, 3)).join(', '),
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

export interface TableOptions {
  onReveal: (uid: string) => void;
  onViewChange: (sort: { column: SeriesColumn; descending: boolean }, filter: string) => void;
  sort?: { column: SeriesColumn; descending: boolean };
  filter?: string;
}

export class SeriesTable {
  readonly element: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly heading: HTMLElement;
  private readonly note: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly headers = new Map<SeriesColumn, HTMLTableCellElement>();
  private rows: SeriesRow[] = [];
  private total = 0;
  private sort: { column: SeriesColumn; descending: boolean };
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: TableOptions) {
    this.sort = opts.sort && COLUMNS.some((c) => c.key === opts.sort!.column) ? opts.sort : { column: 'patient', descending: false };
    this.heading = h('h2', { id: 'series-heading' }, 'Series');
    this.filterInput = h('input', { type: 'search', placeholder: 'Filter series…', 'aria-label': 'Filter series by text', class: 'filter' });
    this.filterInput.value = opts.filter ?? '';
    this.filterInput.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => this.update(true), 120);
    });
    const headRow = h('tr');
    for (const c of COLUMNS) {
      const btn = h('button', { type: 'button', class: 'sort' }, c.label);
      btn.addEventListener('click', () => {
        this.sort = this.sort.column === c.key ? { column: c.key, descending: !this.sort.descending } : { column: c.key, descending: false };
        this.update(true);
      });
      const th = h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, btn);
      this.headers.set(c.key, th);
      headRow.append(th);
    }
    this.tbody = h('tbody');
    this.tbody.addEventListener('click', (e) => this.activate(e.target));
    this.tbody.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.activate(e.target);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const tr = (e.target as HTMLElement).closest('tr');
        const next = (e.key === 'ArrowDown' ? tr?.nextElementSibling : tr?.previousElementSibling) as HTMLElement | null;
        if (next) {
          e.preventDefault();
          next.focus();
        }
      }
    });
    this.note = h('p', { class: 'table-note' });
    this.element = h(
      'section',
      { class: 'series', 'aria-labelledby': 'series-heading' },
      h('div', { class: 'series-head' }, this.heading, this.filterInput),
      h('div', { class: 'table-wrap' }, h('table', { 'aria-labelledby': 'series-heading' }, h('thead', {}, headRow), this.tbody)),
      this.note,
    );
  }

  private activate(target: EventTarget | null): void {
    const tr = (target as HTMLElement | null)?.closest('tr');
    const uid = tr?.dataset.uid;
    if (uid) this.opts.onReveal(uid);
  }

  setRows(rows: SeriesRow[], total: number): void {
    this.rows = rows;
    this.total = total;
    this.update(false);
  }

  private update(viewChanged: boolean): void {
    const filter = this.filterInput.value.trim().toLowerCase();
    if (viewChanged) this.opts.onViewChange(this.sort, this.filterInput.value);
    const col = COLUMNS.find((c) => c.key === this.sort.column)!;
    const terms = filter.split(/\s+/).filter(Boolean);
    const matching = terms.length
      ? this.rows.filter((r) => {
          const hay = [r.patient, r.patientId, r.studyDate, ...COLUMNS.map((c) => c.text(r))].join(' ').toLowerCase();
          return terms.every((t) => hay.includes(t));
        })
      : this.rows.slice();
    const dir = this.sort.descending ? -1 : 1;
    matching.sort((a, b) => {
      const x = col.sortValue(a);
      const y = col.sortValue(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return c * dir;
    });
    for (const [key, th] of this.headers) th.setAttribute('aria-sort', key === this.sort.column ? (this.sort.descending ? 'descending' : 'ascending') : 'none');

    const shown = matching.slice(0, MAX_RENDERED_ROWS);
    const frag = document.createDocumentFragment();
    for (const r of shown) {
      const tr = h('tr', { tabindex: 0, 'data-uid': r.uid, title: r.uid ? 'Reveal this series in the DICOM tree' : undefined });
      for (const c of COLUMNS) tr.append(h('td', { class: c.numeric ? 'num' : undefined }, c.text(r)));
      frag.append(tr);
    }
    clear(this.tbody);
    this.tbody.append(frag);
    if (!shown.length) this.tbody.append(h('tr', { class: 'none' }, h('td', { colspan: COLUMNS.length }, this.rows.length ? 'No series match the filter.' : 'No series.')));

    this.heading.textContent = terms.length ? `Series (${formatCount(matching.length)} of ${formatCount(this.rows.length)})` : `Series (${formatCount(this.total)})`;
    const notes: string[] = [];
    if (this.total > this.rows.length) notes.push(`The table lists the first ${formatCount(this.rows.length)} of ${formatCount(this.total)} series (by patient and study date); the exports have them all.`);
    if (matching.length > shown.length) notes.push(`Showing ${formatCount(shown.length)} of ${formatCount(matching.length)} matching series: type in the filter to narrow them.`);
    this.note.textContent = notes.join(' ');
  }
}

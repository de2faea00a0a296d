/**
 * The Cohort section: the fields of a cohort filter (src/shared/cohort.ts) as a form, the live
 * count of what matches (the host counts, debounced; only the answer to the latest question is
 * shown), a filter the host refuses said inline, and the export buttons (CSV, JSON, Parquet).
 */
import type { Severity } from '../src/shared/checks';
import type { CohortCount, CohortFilter, CohortFormat } from '../src/shared/cohort';
import { EMPTY_FORM, filterOf, normaliseForm, type RangeKey, type TextKey } from '../src/shared/cohortForm';
import { formatCount } from '../src/shared/format';
import { COHORT_SQL_COLUMNS, type CohortForm } from '../src/shared/messages';
import { clear, h } from './dom';

const COUNT_DEBOUNCE_MS = 250;

/** "12 patients · 14 studies · 20 series · 2,345 slices" as figures with their names. */
const FIGURES: { key: keyof CohortCount; one: string; many: string }[] = [
  { key: 'patients', one: 'patient', many: 'patients' },
  { key: 'studies', one: 'study', many: 'studies' },
  { key: 'series', one: 'series', many: 'series' },
  { key: 'images', one: 'slice', many: 'slices' },
];

export interface CohortOptions {
  form?: unknown;
  /** The form changed (to keep it across reloads). */
  onChange: (form: CohortForm) => void;
  onCount: (seq: number, filter: CohortFilter) => void;
  onExport: (format: CohortFormat, filter: CohortFilter) => void;
}

let ids = 0;
const nextId = (name: string) => `cohort-${name}-${++ids}`;

export class CohortSection {
  readonly element: HTMLElement;
  private form: CohortForm;
  private readonly modalityBox: HTMLElement;
  private readonly countLine: HTMLElement;
  private readonly errorLine: HTMLElement;
  private readonly exportButtons: HTMLButtonElement[] = [];
  private readonly resetButton: HTMLButtonElement;
  private readonly inputs = new Map<keyof CohortForm, HTMLInputElement | HTMLSelectElement>();
  private modalities: string[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private busy = false;
  private hasData = false;
  private valid = true;
  /** The last count was no series: nothing to export. */
  private empty = false;

  constructor(private readonly opts: CohortOptions) {
    this.form = normaliseForm(opts.form);
    const text = (key: RangeKey | TextKey, label: string, attrs: Record<string, string> = {}) => {
      const id = nextId(key);
      const input = h('input', { type: 'text', id, class: `field ${key === 'where' ? 'sql' : ''}`.trim(), 'data-field': key, spellcheck: 'false', autocomplete: 'off', ...attrs });
      input.value = this.form[key];
      input.addEventListener('input', () => this.set({ [key]: input.value }));
      this.inputs.set(key, input);
      return { id, input, label: h('label', { for: id }, label) };
    };
    const check = (key: 'volumesOnly' | 'originalOnly', label: string, hint: string) => {
      const id = nextId(key);
      const input = h('input', { type: 'checkbox', id, 'data-field': key });
      input.checked = this.form[key];
      input.addEventListener('change', () => this.set({ [key]: input.checked }));
      this.inputs.set(key, input);
      return h('div', { class: 'check-field' }, input, h('label', { for: id }, label, ' ', h('span', { class: 'hint' }, hint)));
    };
    const range = (label: string, unit: string, min: RangeKey, max: RangeKey) => {
      const a = text(min, `${label}: from`, { inputmode: 'decimal', placeholder: 'any' });
      const b = text(max, `${label}: to`, { inputmode: 'decimal', placeholder: 'any' });
      a.label.className = 'sr-only';
      b.label.className = 'sr-only';
      return h('div', { class: 'range', role: 'group', 'aria-label': label }, h('span', { class: 'range-label', 'aria-hidden': 'true' }, label), a.label, a.input, h('span', { class: 'range-to', 'aria-hidden': 'true' }, 'to'), b.label, b.input, h('span', { class: 'unit' }, unit));
    };

    this.modalityBox = h('div', { class: 'modality-list' });
    const severityId = nextId('severity');
    const severity = h(
      'select',
      { id: severityId, 'data-field': 'excludeSeverity' },
      h('option', { value: '' }, 'none (keep every series)'),
      h('option', { value: 'info' }, 'info or worse (any finding)'),
      h('option', { value: 'warning' }, 'warning or worse'),
      h('option', { value: 'error' }, 'error'),
    );
    severity.value = this.form.excludeSeverity;
    severity.addEventListener('change', () => this.set({ excludeSeverity: severity.value as Severity | '' }));
    this.inputs.set('excludeSeverity', severity);

    const manufacturer = text('manufacturer', 'Manufacturer');
    const kernel = text('kernel', 'Kernel');
    const bodyPart = text('bodyPart', 'Body part');
    const where = text('where', 'A condition over the columns of series_geometry', { placeholder: "e.g. Rows = 512 AND PixelSpacing LIKE '0.7%'", 'aria-describedby': 'cohort-sql-help' });
    const advanced = h(
      'details',
      { class: 'advanced' },
      h('summary', {}, 'Advanced: SQL condition'),
      h('div', { class: 'advanced-body' }, where.label, where.input, h('p', { class: 'hint', id: 'cohort-sql-help' }, 'One SQL expression (no “;”), ANDed with the fields above. Columns: ', COHORT_SQL_COLUMNS.join(', '), '.')),
    );
    if (this.form.where) advanced.open = true;

    this.countLine = h('p', { class: 'cohort-count', role: 'status', 'aria-live': 'polite' });
    this.errorLine = h('p', { class: 'cohort-error', role: 'alert' });
    for (const [format, label] of [
      ['csv', 'CSV'],
      ['json', 'JSON'],
      ['parquet', 'Parquet'],
    ] as [CohortFormat, string][]) {
      const b = h('button', { type: 'button', 'data-format': format, 'aria-label': `Export the cohort as ${label}`, title: exportTitle(format) }, label);
      b.addEventListener('click', () => {
        const f = filterOf(this.form);
        if (f.filter) this.opts.onExport(format, f.filter);
      });
      this.exportButtons.push(b);
    }
    this.resetButton = h('button', { type: 'button', class: 'secondary small', title: 'Clear every field of the cohort filter' }, 'Clear filter');
    this.resetButton.addEventListener('click', () => this.reset());

    const form = h(
      'form',
      { class: 'cohort-form', 'aria-labelledby': 'cohort-heading' },
      h('fieldset', { class: 'modalities' }, h('legend', {}, 'Modality'), this.modalityBox),
      h('fieldset', { class: 'ranges' }, h('legend', {}, 'Ranges'), range('Slice thickness', 'mm', 'minThickness', 'maxThickness'), range('Measured step', 'mm', 'minStep', 'maxStep'), range('Images', '', 'minImages', 'maxImages')),
      h(
        'fieldset',
        { class: 'quality' },
        h('legend', {}, 'Quality'),
        check('volumesOnly', 'Volumes only', '(complete, regularly spaced)'),
        check('originalOnly', 'ORIGINAL images only', '(no derived images)'),
        h('div', { class: 'select-field' }, h('label', { for: severityId }, 'Leave out series with findings of'), severity),
      ),
      h('fieldset', { class: 'texts' }, h('legend', {}, 'Contains'), ...[manufacturer, kernel, bodyPart].map((t) => h('div', { class: 'text-field' }, t.label, t.input))),
      advanced,
    );
    form.addEventListener('submit', (e) => e.preventDefault());

    this.element = h(
      'section',
      { class: 'cohort', 'aria-labelledby': 'cohort-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'cohort-heading' }, 'Cohort'), this.resetButton),
      h('p', { class: 'section-note' }, 'Choose the series to train on; the count follows as you type. An empty field does not filter.'),
      form,
      h(
        'div',
        { class: 'cohort-result' },
        this.countLine,
        this.errorLine,
        h('div', { class: 'cohort-export', role: 'group', 'aria-label': 'Export the cohort' }, h('span', { class: 'export-label' }, 'Export the cohort:'), ...this.exportButtons),
      ),
    );
    this.renderModalities();
    this.syncButtons();
  }

  get currentForm(): CohortForm {
    return this.form;
  }

  /** The modalities the index holds (checkboxes); ticked ones no longer present stay listed. */
  setModalities(mods: string[]): void {
    const next = [...new Set([...mods.filter(Boolean), ...this.form.modality])].sort();
    if (next.join('\n') === this.modalities.join('\n')) return;
    this.modalities = next;
    this.renderModalities();
  }

  setHasData(has: boolean): void {
    this.hasData = has;
    this.syncButtons();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.syncButtons();
  }

  /** Counts again now (the index changed). */
  recount(): void {
    clearTimeout(this.timer);
    this.ask();
  }

  /** The host's answer; only the latest question's is shown. */
  answer(seq: number, count: CohortCount | null, error: string | undefined): void {
    if (seq !== this.seq) return;
    this.element.classList.remove('pending');
    if (error || !count) {
      this.showError(error ?? 'The cohort could not be counted.');
      return;
    }
    this.valid = true;
    this.empty = count.series === 0;
    this.errorLine.textContent = '';
    clear(this.countLine);
    FIGURES.forEach((f, i) => {
      const n = count[f.key];
      if (i) this.countLine.append(' · ');
      this.countLine.append(h('span', { class: 'figure', 'data-key': f.key }, h('strong', {}, formatCount(n)), ` ${n === 1 ? f.one : f.many}`));
    });
    this.countLine.append(h('span', { class: 'files' }, ` (${formatCount(count.files)} ${count.files === 1 ? 'file' : 'files'})`));
    this.syncButtons();
  }

  private showError(text: string): void {
    this.valid = false;
    this.errorLine.textContent = text;
    clear(this.countLine);
    this.countLine.append(h('span', { class: 'hint' }, 'No count while the filter cannot run.'));
    this.element.classList.remove('pending');
    this.syncButtons();
  }

  private set(patch: Partial<CohortForm>): void {
    this.form = { ...this.form, ...patch };
    this.opts.onChange(this.form);
    clearTimeout(this.timer);
    this.element.classList.add('pending');
    this.timer = setTimeout(() => this.ask(), COUNT_DEBOUNCE_MS);
  }

  private ask(): void {
    const f = filterOf(this.form);
    this.seq++;
    if (!f.filter) {
      this.showError(f.error);
      return;
    }
    this.element.classList.add('pending');
    this.opts.onCount(this.seq, f.filter);
  }

  private reset(): void {
    this.setForm(EMPTY_FORM);
    this.opts.onChange(this.form);
  }

  /** Shows `form` (a saved one: read field by field) and counts it. */
  setForm(form: unknown): void {
    this.form = normaliseForm(form);
    for (const [k, el] of this.inputs) {
      const v = this.form[k];
      if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = v === true;
      else el.value = String(v);
    }
    const details = this.element.querySelector<HTMLDetailsElement>('details.advanced');
    if (details && this.form.where) details.open = true;
    this.setModalities(this.modalities);
    for (const cb of this.modalityBox.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) cb.checked = this.form.modality.includes(cb.value);
    this.recount();
  }

  private renderModalities(): void {
    clear(this.modalityBox);
    if (!this.modalities.length) {
      this.modalityBox.append(h('span', { class: 'hint' }, 'No modality in the index.'));
      return;
    }
    for (const m of this.modalities) {
      const id = nextId('modality');
      const cb = h('input', { type: 'checkbox', id, value: m, 'data-modality': m });
      cb.checked = this.form.modality.includes(m);
      cb.addEventListener('change', () => {
        const set = new Set(this.form.modality);
        if (cb.checked) set.add(m);
        else set.delete(m);
        this.set({ modality: this.modalities.filter((x) => set.has(x)) });
      });
      this.modalityBox.append(h('span', { class: 'check-field' }, cb, h('label', { for: id }, m)));
    }
    this.modalityBox.append(h('span', { class: 'hint' }, 'none ticked: every modality'));
  }

  private syncButtons(): void {
    for (const b of this.exportButtons) b.disabled = this.busy || !this.hasData || !this.valid || this.empty;
  }
}

function exportTitle(format: CohortFormat): string {
  return {
    csv: 'One row per series of the cohort (cohort.csv)',
    json: "A training manifest: each series of the cohort with its files in slice order (cohort.json)",
    parquet: 'One row per series of the cohort, typed columns (cohort.parquet)',
  }[format];
}

/**
 * The Dataset checks section: how many series are volumes ready to use, and one row per check
 * that fired (severity, title, what it means, series and images affected). A series check's row is
 * a toggle button that filters the series table to its series; a dataset check's row is text (its
 * finding is about UIDs, not about series of the table).
 */
import { ALL_CHECKS, type CheckName } from '../src/shared/checks';
import { countOf, formatCount } from '../src/shared/format';
import type { CheckRow, ChecksSummary } from '../src/shared/messages';
import { percent } from '../src/shared/summaryFormat';
import { clear, h } from './dom';

export interface ChecksOptions {
  /** A check row was chosen (undefined: the filter was cleared). */
  onPick: (check: CheckName | undefined) => void;
}

/** "3 series · 412 images", or a dataset check's count ("2 Study UIDs"). */
export function checkRowCounts(r: CheckRow): string {
  if (r.series !== null) return `${countOf(r.series, 'series', 'series')} · ${countOf(r.images ?? 0, 'image')}`;
  const counts = ALL_CHECKS[r.check]?.counts;
  // The counts are named in the plural ("Study UIDs"): one is "1 Study UID".
  return r.count !== null && counts ? `${formatCount(r.count)} ${r.count === 1 ? counts.replace(/s$/, '') : counts}` : '';
}

/** "1,180 of 1,308 series are volumes ready to use". */
export function volumesSentence(c: ChecksSummary): string {
  if (!c.series) return 'No series has been checked yet.';
  return `${formatCount(c.volumes)} of ${countOf(c.series, 'series', 'series')} ${c.volumes === 1 ? 'is a volume' : 'are volumes'} ready to use`;
}

export class ChecksSection {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly clearButton: HTMLButtonElement;
  private active: CheckName | undefined;

  constructor(private readonly opts: ChecksOptions) {
    this.clearButton = h('button', { type: 'button', class: 'secondary small', hidden: true, title: 'Show every series in the table again' }, 'Show all series');
    this.clearButton.addEventListener('click', () => this.opts.onPick(undefined));
    this.body = h('div', { class: 'checks-body' });
    this.element = h(
      'section',
      { class: 'checks', 'aria-labelledby': 'checks-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'checks-heading' }, 'Dataset checks'), this.clearButton),
      this.body,
    );
  }

  render(checks: ChecksSummary | null | undefined, active: CheckName | undefined): void {
    const hadFocus = (document.activeElement as HTMLElement | null)?.closest?.('button.check-row') as HTMLElement | null;
    const focusedCheck = hadFocus && this.body.contains(hadFocus) ? hadFocus.dataset.check : undefined;
    clear(this.body);
    this.active = active;
    if (!checks) {
      this.body.append(h('p', { class: 'section-note' }, 'The checks of this index could not be read. Index the workspace again to compute them.'));
      this.syncActive();
      return;
    }
    const share = checks.series ? percent(checks.volumes, checks.series) : '';
    this.body.append(h('p', { class: 'checks-verdict', 'data-volumes': checks.volumes, 'data-series': checks.series }, `${volumesSentence(checks)}${share ? ` (${share})` : ''}.`));
    if (!checks.rows.length) {
      this.body.append(h('p', { class: 'section-note checks-none' }, 'No check fired: every series is consistent.'));
      this.syncActive();
      return;
    }
    const list = h('ul', { class: 'check-list', 'aria-label': 'Checks that fired' });
    for (const r of checks.rows) list.append(h('li', {}, this.row(r)));
    this.body.append(list, h('p', { class: 'section-note' }, 'Choose a check to list its series in the table below; choose a series there to reveal it in the DICOM tree.'));
    this.syncActive();
    if (focusedCheck) this.body.querySelector<HTMLElement>(`button.check-row[data-check="${CSS.escape(focusedCheck)}"]`)?.focus();
  }

  /** Marks the row of the check the table is filtered to (none: undefined). */
  setActive(check: CheckName | undefined): void {
    this.active = check;
    this.syncActive();
  }

  private syncActive(): void {
    for (const b of this.body.querySelectorAll<HTMLButtonElement>('button.check-row')) b.setAttribute('aria-pressed', String(b.dataset.check === this.active));
    this.clearButton.hidden = !this.active;
  }

  private row(r: CheckRow): HTMLElement {
    const info = ALL_CHECKS[r.check];
    const title = info?.title ?? r.check;
    const parts = [
      h('span', { class: `sev sev-${r.severity}` }, r.severity),
      h('span', { class: 'check-text' }, h('span', { class: 'check-title' }, title), h('span', { class: 'check-fires' }, r.detail || (info ? `Fires when ${info.fires}.` : ''))),
      h('span', { class: 'check-counts' }, checkRowCounts(r)),
    ];
    if (r.series === null) return h('div', { class: 'check-row dataset', 'data-check': r.check, 'data-severity': r.severity }, ...parts);
    const b = h(
      'button',
      { type: 'button', class: 'check-row', 'data-check': r.check, 'data-severity': r.severity, 'aria-pressed': 'false', title: `List the ${countOf(r.series, 'series', 'series')} in the table` },
      ...parts,
    );
    b.addEventListener('click', () => this.opts.onPick(r.check));
    return b;
  }
}

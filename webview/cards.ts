/**
 * The statistics cards, one line of text each whatever the data (the Modalities card shows the
 * first few and "+N more", the full list in a popover), and the findings under them (duplicated
 * SOP Instance UIDs, conflicting attributes) said in sentences.
 */
import { conflictsSentence, countOf, duplicatesSentence, formatCount, formatNumber } from '../src/shared/format';
import type { StatsData } from '../src/shared/messages';
import { formatBytes, modalityList, problemFiles, sortedHistogram, thicknessRange } from '../src/shared/summaryFormat';
import { h } from './dom';

/** The Modalities card's value holds at most this many codes and about this many characters. */
const MODALITIES_SHOWN = 3;
const MODALITIES_CHARS = 12;

/** A value longer than this is set smaller, so that it stays on one line. */
const LONG_VALUE_CHARS = 10;

function card(key: string, label: string, value: string | Node, detail?: string | Node | null, extraClass = ''): HTMLElement {
  const text = typeof value === 'string' ? value : (value.textContent ?? '');
  return h(
    'div',
    { class: `card ${extraClass}`.trim(), 'data-key': key },
    h('div', { class: 'label' }, label),
    h('div', { class: text.length > LONG_VALUE_CHARS ? 'value long' : 'value', title: text }, value),
    detail ? h('div', { class: 'detail' }, detail) : null,
  );
}

/** How many modality codes fit the card's one line: at least one, at most MODALITIES_SHOWN. */
export function modalitiesShown(codes: string[]): number {
  let n = 0;
  let chars = 0;
  for (const c of codes.slice(0, MODALITIES_SHOWN)) {
    chars += c.length + (n ? 2 : 0);
    if (n && chars > MODALITIES_CHARS) break;
    n++;
  }
  return n;
}

function modalitiesCard(st: StatsData): HTMLElement {
  const mods = modalityList(st);
  if (!mods.length) return card('modalities', 'Modalities', 'none');
  const n = modalitiesShown(mods.map((m) => m[0]));
  const all = mods.map(([m, c]) => `${m} ${formatCount(c)}`).join(' · ');
  const value = h('span', { title: all }, mods.slice(0, n).map((m) => m[0]).join(', '));
  let detail: Node;
  if (mods.length > n) {
    const list = h('ul', { class: 'popover', 'aria-label': 'Instances per modality' }, ...mods.map(([m, c]) => h('li', {}, h('span', {}, m), h('span', { class: 'count' }, formatCount(c)))));
    const more = h('details', { class: 'more' }, h('summary', { title: all, 'aria-label': `${mods.length - n} more modalities: show all ${mods.length}` }, `+${mods.length - n} more`), list);
    more.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && more.open) {
        more.open = false;
        more.querySelector('summary')?.focus();
      }
    });
    detail = more;
  } else {
    detail = document.createTextNode(mods.length > 1 ? all : `${formatCount(mods[0][1])} instances`);
  }
  return card('modalities', 'Modalities', value, detail, 'modalities');
}

/** Closes an open "+N more" popover on a click outside it. */
export function closePopoversOnOutsideClick(root: HTMLElement): void {
  document.addEventListener('click', (e) => {
    for (const d of root.querySelectorAll<HTMLDetailsElement>('details.more[open]')) if (!d.contains(e.target as Node)) d.open = false;
  });
}

export function statisticsCards(st: StatsData, onRevealProblems: () => void): HTMLElement {
  const problems = problemFiles(st);
  const problemLink = h(
    'button',
    { type: 'button', class: 'link', title: 'Reveal the files with problems in the DICOM tree', 'aria-label': `${formatCount(problems)} files with problems: reveal them in the tree` },
    formatCount(problems),
  );
  problemLink.addEventListener('click', onRevealProblems);
  const p = st.instancesPerStudy;
  const distinct = sortedHistogram(st.sliceThickness.histogram).length;
  return h(
    'section',
    { class: 'cards', 'aria-label': 'Statistics' },
    card('patients', 'Patients', formatCount(st.patients)),
    card('studies', 'Studies', formatCount(st.studies)),
    card('series', 'Series', formatCount(st.series)),
    card('instances', 'Instances (slices)', formatCount(st.instances), st.duplicateSopInstances ? `${formatCount(st.distinctSopInstances)} distinct SOP Instance UIDs` : null),
    card('perStudy', 'Instances per study', formatNumber(p.mean, 1), p.mean == null ? null : `min ${formatNumber(p.min)} · max ${formatNumber(p.max)}`),
    card(
      'thickness',
      'Slice thickness',
      thicknessRange(st),
      st.sliceThickness.missing ? `${formatCount(st.sliceThickness.missing)} instances without` : countOf(distinct, 'distinct value'),
    ),
    modalitiesCard(st),
    card('size', 'Size on disk', formatBytes(st.totalBytes)),
    card(
      'problems',
      'Files with problems',
      problems ? problemLink : '0',
      `${formatCount(st.files.error)} unreadable · ${formatCount(st.files.partial)} partial · ${formatCount(st.files.notDicom)} not DICOM`,
      problems ? 'problems' : '',
    ),
  );
}

/** The sentences about duplicates and conflicting attributes; null when there is nothing to say. */
export function findings(st: StatsData): HTMLElement | null {
  const lines = [duplicatesSentence(st), conflictsSentence(st)].filter(Boolean);
  if (!lines.length) return null;
  return h('section', { class: 'findings', 'aria-label': 'Findings' }, ...lines.map((l) => h('p', { class: 'finding' }, `${l}.`)));
}

/**
 * The summary panel's Cohort form (webview/cohort.ts) as data: its raw fields, what a saved form is
 * read back as, and the CohortFilter it stands for. Pure: imported by the webview, tested in node.
 */
import { SEVERITIES, type Severity } from './checks';
import type { CohortFilter } from './cohort';
import { MAX_COHORT_TEXT, type CohortForm } from './messages';

export const EMPTY_FORM: CohortForm = {
  modality: [],
  minThickness: '',
  maxThickness: '',
  minStep: '',
  maxStep: '',
  minImages: '',
  maxImages: '',
  volumesOnly: false,
  originalOnly: false,
  excludeSeverity: '',
  manufacturer: '',
  kernel: '',
  bodyPart: '',
  where: '',
};

export type RangeKey = 'minThickness' | 'maxThickness' | 'minStep' | 'maxStep' | 'minImages' | 'maxImages';
export type TextKey = 'manufacturer' | 'kernel' | 'bodyPart' | 'where';

const RANGE_NAMES: Record<RangeKey, string> = {
  minThickness: 'minimum slice thickness',
  maxThickness: 'maximum slice thickness',
  minStep: 'minimum step',
  maxStep: 'maximum step',
  minImages: 'minimum number of images',
  maxImages: 'maximum number of images',
};

/** A form restored from a saved state: every field of its type, else the empty value. */
export function normaliseForm(f: unknown): CohortForm {
  const o = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
  const str = (k: keyof CohortForm) => (typeof o[k] === 'string' ? (o[k] as string).slice(0, MAX_COHORT_TEXT) : '');
  return {
    modality: Array.isArray(o.modality) ? o.modality.filter((m): m is string => typeof m === 'string').slice(0, 100) : [],
    minThickness: str('minThickness'),
    maxThickness: str('maxThickness'),
    minStep: str('minStep'),
    maxStep: str('maxStep'),
    minImages: str('minImages'),
    maxImages: str('maxImages'),
    volumesOnly: o.volumesOnly === true,
    originalOnly: o.originalOnly === true,
    excludeSeverity: SEVERITIES.includes(o.excludeSeverity as Severity) ? (o.excludeSeverity as Severity) : '',
    manufacturer: str('manufacturer'),
    kernel: str('kernel'),
    bodyPart: str('bodyPart'),
    where: str('where'),
  };
}

/** The filter a form stands for, or what is wrong with it (a bound that is not a number). */
export function filterOf(form: CohortForm): { filter: CohortFilter; error?: undefined } | { filter?: undefined; error: string } {
  const filter: CohortFilter = {};
  if (form.modality.length) filter.modality = [...form.modality];
  for (const k of Object.keys(RANGE_NAMES) as RangeKey[]) {
    const raw = form[k].trim();
    if (!raw) continue;
    const n = Number(raw.replace(',', '.'));
    if (!Number.isFinite(n)) return { error: `The ${RANGE_NAMES[k]} must be a number, not “${raw}”.` };
    filter[k] = n;
  }
  if (form.volumesOnly) filter.volumesOnly = true;
  if (form.originalOnly) filter.originalOnly = true;
  if (form.excludeSeverity) filter.excludeSeverity = form.excludeSeverity;
  for (const k of ['manufacturer', 'kernel', 'bodyPart', 'where'] as TextKey[]) if (form[k].trim()) filter[k] = form[k].trim();
  return { filter };
}

/** `dicom-index cohort`: choose series by a filter, count them, and export them (CSV, JSON manifest, Parquet). */
import * as path from 'node:path';
import { exportCohort, cohortFormatOf } from '../core/cohort/export';
import { CohortFilterError, countCohort } from '../core/cohort/query';
import { refreshChecks } from '../core/queries/checks';
import { SEVERITIES, Severity } from '../shared/checks';
import type { CohortCount, CohortFilter } from '../shared/cohort';
import { countOf } from '../shared/format';
import { onePositional, openIndexStore, parse, UsageError } from './args';

const OPTIONS = {
  modality: { type: 'string', multiple: true },
  'min-thickness': { type: 'string' },
  'max-thickness': { type: 'string' },
  'min-step': { type: 'string' },
  'max-step': { type: 'string' },
  'min-images': { type: 'string' },
  'max-images': { type: 'string' },
  'volumes-only': { type: 'boolean' },
  'original-only': { type: 'boolean' },
  'exclude-severity': { type: 'string' },
  manufacturer: { type: 'string' },
  kernel: { type: 'string' },
  'body-part': { type: 'string' },
  where: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const number = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${flag} takes a number, not '${v}'`);
  return x;
};

/** The command line's filter. */
export function filterFromArgs(v: Record<string, string | boolean | string[] | undefined>): CohortFilter {
  const s = (k: string) => v[k] as string | undefined;
  const severity = s('exclude-severity');
  if (severity !== undefined && !SEVERITIES.includes(severity as Severity)) throw new UsageError(`--exclude-severity takes error, warning or info, not '${severity}'`);
  const f: CohortFilter = {
    modality: (v.modality as string[] | undefined)?.flatMap((m) => m.split(',')),
    minThickness: number('min-thickness', s('min-thickness')),
    maxThickness: number('max-thickness', s('max-thickness')),
    minStep: number('min-step', s('min-step')),
    maxStep: number('max-step', s('max-step')),
    minImages: number('min-images', s('min-images')),
    maxImages: number('max-images', s('max-images')),
    volumesOnly: v['volumes-only'] === true || undefined,
    originalOnly: v['original-only'] === true || undefined,
    excludeSeverity: severity as Severity | undefined,
    manufacturer: s('manufacturer'),
    kernel: s('kernel'),
    bodyPart: s('body-part'),
    where: s('where'),
  };
  return Object.fromEntries(Object.entries(f).filter(([, x]) => x !== undefined)) as CohortFilter;
}

export function cohortSentence(c: CohortCount): string {
  return `${countOf(c.patients, 'patient')}, ${countOf(c.studies, 'study', 'studies')}, ${countOf(c.series, 'series', 'series')}, ${countOf(c.images, 'slice')} (${countOf(c.files, 'file')})`;
}

export async function cmdCohort(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const filter = filterFromArgs(values);
  const out = values.out ? path.resolve(values.out) : undefined;
  if (out && !cohortFormatOf(out)) throw new UsageError(`--out ${values.out}: the file name must end in .csv, .json or .parquet (the extension picks the format)`);
  const index = await openIndexStore(onePositional(positionals, 'database file'));
  try {
    // Series a stopped run left pending: checked now (in memory for the SQLite file, which is not written).
    await refreshChecks(index.store);
    try {
      if (out) {
        const r = await exportCohort(index.source, filter, out);
        process.stdout.write(values.json ? `${JSON.stringify({ ...r.count, format: r.format, file: r.file })}\n` : `Cohort: ${cohortSentence(r.count)}. Wrote ${r.format.toUpperCase()} to ${r.file}\n`);
      } else {
        const c = await countCohort(index.store, filter);
        process.stdout.write(values.json ? `${JSON.stringify(c)}\n` : `Cohort: ${cohortSentence(c)}. Give --out FILE.csv|.json|.parquet to export it.\n`);
      }
    } catch (e) {
      if (e instanceof CohortFilterError) throw new UsageError(e.message);
      throw e;
    }
    return 0;
  } finally {
    await index.close();
  }
}

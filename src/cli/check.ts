/** `dicom-index check`: the dataset checks of an index, readable or as JSON, with an exit status for CI gates. */
import { checkReport, CheckReport, failsAt, ReportSeries } from '../core/checks/report';
import { ALL_CHECKS, CheckName, SERIES_CHECKS, SEVERITIES, Severity } from '../shared/checks';
import { countOf, formatCount, formatNumber } from '../shared/format';
import { onePositional, openIndexStore, parse, UsageError } from './args';

export async function cmdCheck(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, 'fail-on': { type: 'string' } });
  const failOn = values['fail-on'] as string | undefined;
  if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) throw new UsageError(`--fail-on takes error, warning or info, not '${failOn}'`);
  const index = await openIndexStore(onePositional(positionals, 'database file'));
  try {
    const report = await checkReport(index.store);
    process.stdout.write((values.json ? JSON.stringify(report) : formatCheckReport(report)) + '\n');
    return failOn && failsAt(report, failOn as Severity) ? 1 : 0;
  } finally {
    await index.close();
  }
}

/** Examples shown per check in the readable report. */
const EXAMPLES = 3;

/** A series for people: its patient ID, description and number (never a name). */
export function seriesLabel(s: ReportSeries): string {
  const what = [s.Modality, s.SeriesDescription ? `'${s.SeriesDescription}'` : null, s.SeriesNumber !== null ? `series ${s.SeriesNumber}` : null].filter(Boolean).join(' ');
  return `${s.PatientID || '(no Patient ID)'} / ${what || s.SeriesInstanceUID}`;
}

export function formatCheckReport(r: CheckReport): string {
  const t = r.totals;
  const lines = [`${countOf(t.series, 'series', 'series')} checked (${countOf(t.images, 'image')}): ${formatCount(t.volumes)} ${t.volumes === 1 ? 'is a volume' : 'are volumes'} ready to use.`];
  for (const severity of SEVERITIES) {
    const names = (Object.keys(SERIES_CHECKS) as CheckName[]).filter((c) => ALL_CHECKS[c].severity === severity && t.byCheck[c as keyof typeof t.byCheck] > 0);
    const dataset = r.dataset.filter((f) => f.severity === severity);
    if (!names.length && !dataset.length) continue;
    lines.push('', `${severity === 'error' ? 'Errors' : severity === 'warning' ? 'Warnings' : 'Information'}:`);
    for (const name of names) {
      const hit = r.series.filter((s) => s.findings.some((f) => f.check === name));
      const total = hit.reduce((n, s) => n + (s.findings.find((f) => f.check === name)?.count ?? 0), 0);
      const info = ALL_CHECKS[name];
      lines.push(`  ${name} (${info.title}): ${countOf(hit.length, 'series', 'series')}${info.counts ? `, ${formatCount(total)} ${info.counts}` : ''}`);
      const worst = [...hit].sort((a, b) => (b.findings.find((f) => f.check === name)?.count ?? 0) - (a.findings.find((f) => f.check === name)?.count ?? 0));
      for (const s of worst.slice(0, EXAMPLES)) lines.push(`    ${seriesLabel(s)}: ${s.findings.find((f) => f.check === name)?.detail}`);
      if (hit.length > EXAMPLES) lines.push(`    … and ${countOf(hit.length - EXAMPLES, 'more series', 'more series')}`);
    }
    for (const f of dataset) lines.push(`  ${f.check} (${ALL_CHECKS[f.check].title}): ${f.detail}`);
  }
  const clean = r.series.filter((s) => !s.findings.length).length;
  lines.push('', `${countOf(clean, 'series', 'series')} without findings.`);
  const steps = r.series.map((s) => s.spacing?.median).filter((x): x is number => typeof x === 'number');
  if (steps.length) lines.push(`Measured step between slices: ${formatNumber(Math.min(...steps))}–${formatNumber(Math.max(...steps))} mm (median per series).`);
  return lines.join('\n');
}

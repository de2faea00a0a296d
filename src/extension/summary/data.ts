/**
 * What the summary panel shows, read from an open index database: the statistics (the same
 * `computeStats` as `dicom-index stats`), the series table and the dataset checks (the same
 * `checkReport` as `dicom-index check`). No `vscode` import: unit-testable.
 */
import { checkReport, type CheckReport } from '../../core/checks/report';
import { computeStats } from '../../core/stats';
import { seriesTable } from '../../core/queries/seriesTable';
import { asStore, type StoreLike } from '../../core/store/source';
import { ALL_CHECKS, SERIES_CHECKS, SEVERITY_RANK, type CheckName, type SeriesCheckName } from '../../shared/checks';
import type { CheckRow, ChecksSummary, SeriesRow, StatsData } from '../../shared/messages';

/** At most this many series rows are sent to the webview (LIDC has ~1,300). */
export const MAX_SERIES_ROWS = 5000;

export interface SeriesQueryResult {
  /** One per distinct non-empty SeriesInstanceUID, and groups of files without one (`uid` ''). */
  rows: SeriesRow[];
  /** Rows of the whole table (more than `rows.length` when capped). */
  total: number;
}

/** The series table of the panel: the core's per-series query (one row per Series UID), capped at `limit`. Without checks (`findings` [], `step` null). */
export async function querySeries(source: StoreLike, limit = MAX_SERIES_ROWS): Promise<SeriesQueryResult> {
  const table = await seriesTable(source, limit);
  const rows = table.rows.map(
    (r): SeriesRow => ({
      uid: r.uid,
      patient: r.patientName || r.patientId || '',
      patientName: r.patientName ?? '',
      patientId: r.patientId,
      studyDate: r.studyDate ?? '',
      modality: r.modality ?? '',
      description: r.description ?? '',
      seriesNumber: r.seriesNumber,
      images: r.images,
      thickness: r.thickness,
      pixelSpacing: r.pixelSpacing,
      size: r.size,
      conflicts: r.conflicts,
      findings: [],
      step: null,
    }),
  );
  return { rows, total: table.series + table.withoutUid };
}

/** A measured step as the panel keys it: to the micrometre (the stored precision), shortest form. */
export const stepKey = (mm: number): number => Number(mm.toFixed(3));

const ORDER = Object.keys(ALL_CHECKS) as CheckName[];

/**
 * What the panel needs of a check report: totals, one row per check that fired (worst severity
 * first, series checks before dataset checks, then in the checks' own order) and the step
 * histogram. The per-series detail strings stay here (heavy at LIDC scale; the CLI has them).
 */
export function checksSummary(report: CheckReport): ChecksSummary {
  const rows: CheckRow[] = [];
  const images = new Map<SeriesCheckName, number>();
  for (const s of report.series) for (const f of s.findings) images.set(f.check as SeriesCheckName, (images.get(f.check as SeriesCheckName) ?? 0) + s.images);
  for (const check of Object.keys(SERIES_CHECKS) as SeriesCheckName[]) {
    const n = report.totals.byCheck[check];
    if (n) rows.push({ check, severity: SERIES_CHECKS[check].severity, series: n, images: images.get(check) ?? 0, count: null, detail: '' });
  }
  for (const f of report.dataset) rows.push({ check: f.check, severity: f.severity, series: null, images: null, count: f.count, detail: f.detail });
  rows.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(a.series === null) - Number(b.series === null) || ORDER.indexOf(a.check) - ORDER.indexOf(b.check));
  const stepHistogram: Record<string, number> = {};
  let noStep = 0;
  for (const s of report.series) {
    const m = s.spacing?.median;
    if (m == null || !(m > 0)) noStep++;
    else {
      const k = String(stepKey(m));
      stepHistogram[k] = (stepHistogram[k] ?? 0) + 1;
    }
  }
  return { series: report.totals.series, volumes: report.totals.volumes, rows, stepHistogram, noStep };
}

/** Each series row with the checks that fired on it and its measured step. */
export function withChecks(rows: SeriesRow[], report: CheckReport): SeriesRow[] {
  const by = new Map(report.series.map((s) => [s.SeriesInstanceUID, s]));
  return rows.map((r) => {
    const s = r.uid ? by.get(r.uid) : undefined;
    if (!s) return r;
    const m = s.spacing?.median;
    return { ...r, findings: s.findings.map((f) => f.check), step: m != null && m > 0 ? stepKey(m) : null };
  });
}

export interface SummaryData {
  stats: StatsData;
  series: SeriesRow[];
  seriesTotal: number;
  /** Null when the checks could not be read (the rest of the summary is still shown). */
  checks: ChecksSummary | null;
  checksError?: string;
}

export async function readSummary(source: StoreLike, limit = MAX_SERIES_ROWS): Promise<SummaryData> {
  const store = asStore(source);
  const stats = await computeStats(store);
  const { rows, total } = await querySeries(store, limit);
  try {
    const report = await checkReport(store);
    return { stats, series: withChecks(rows, report), seriesTotal: total, checks: checksSummary(report) };
  } catch (e) {
    return { stats, series: rows, seriesTotal: total, checks: null, checksError: (e as Error).message };
  }
}

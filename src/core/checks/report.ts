/**
 * The checks report: every series' verdict and the dataset-level findings, in the shape that
 * `dicom-index check --json` prints (a contract: scripts read it; keys may be added, never renamed).
 */
import { Finding, SERIES_CHECKS, SeriesCheckName, Severity, SEVERITY_RANK } from '../../shared/checks';
import { allCheckedSeries, datasetFindings, StoredSeries } from '../queries/checks';
import type { QueryStore } from '../store/queryStore';

export interface ReportSeries {
  SeriesInstanceUID: string;
  PatientID: string;
  StudyInstanceUID: string;
  Modality: string | null;
  SeriesNumber: number | null;
  SeriesDescription: string | null;
  files: number;
  images: number;
  volume: boolean;
  spacing: { min: number; median: number | null; max: number } | null;
  spacingNote: string | null;
  SliceThickness: number | null;
  folder: string;
  worst: Severity | null;
  findings: Finding[];
}

export interface CheckReport {
  series: ReportSeries[];
  dataset: Finding[];
  totals: {
    series: number;
    volumes: number;
    images: number;
    /** Series with each check's finding (every series check, 0 included). */
    byCheck: Record<SeriesCheckName, number>;
  };
}

export function reportSeries(s: StoredSeries): ReportSeries {
  return {
    SeriesInstanceUID: s.SeriesInstanceUID,
    PatientID: s.attrs.PatientID,
    StudyInstanceUID: s.attrs.StudyInstanceUID,
    Modality: s.attrs.Modality,
    SeriesNumber: s.attrs.SeriesNumber,
    SeriesDescription: s.attrs.SeriesDescription,
    files: s.files,
    images: s.images,
    volume: s.volume,
    spacing: s.spacing,
    spacingNote: s.spacingNote,
    SliceThickness: s.thickness,
    folder: s.folder,
    worst: s.worst,
    findings: s.findings,
  };
}

export async function checkReport(store: QueryStore): Promise<CheckReport> {
  const series = (await allCheckedSeries(store)).map(reportSeries);
  const byCheck = Object.fromEntries(Object.keys(SERIES_CHECKS).map((k) => [k, 0])) as Record<SeriesCheckName, number>;
  for (const s of series) for (const f of s.findings) byCheck[f.check as SeriesCheckName]++;
  return {
    series,
    dataset: await datasetFindings(store),
    totals: { series: series.length, volumes: series.filter((s) => s.volume).length, images: series.reduce((n, s) => n + s.images, 0), byCheck },
  };
}

/** Whether the report has a finding of `severity` or worse (for `--fail-on`). */
export function failsAt(report: CheckReport, severity: Severity): boolean {
  const bar = SEVERITY_RANK[severity];
  return report.dataset.some((f) => SEVERITY_RANK[f.severity] >= bar) || report.series.some((s) => s.findings.some((f) => SEVERITY_RANK[f.severity] >= bar));
}

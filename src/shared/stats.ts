/**
 * The summary statistics of an index (computed by src/core/stats.ts; shown by the summary panel,
 * printed by `dicom-index stats`). Pure types: imported by the core and the browser code alike.
 */
export interface Stats {
  patients: number;
  studies: number;
  series: number;
  instances: number;
  distinctSopInstances: number;
  /** SOPInstanceUIDs carried by more than one file. */
  duplicateSopInstances: number;
  /** The extra files those duplicated SOPInstanceUIDs account for (beyond one file each). */
  duplicateSopFiles: number;
  /**
   * Keys whose files disagree on an attribute of that level (e.g. two PatientNames under one
   * PatientID): each file keeps its own values. Empty keys are not counted.
   */
  conflicts: { patients: number; studies: number; series: number };
  files: { total: number; ok: number; partial: number; error: number; notDicom: number };
  /** Per study (non-empty StudyInstanceUID): the number of DICOM files. */
  instancesPerStudy: { mean: number | null; min: number | null; max: number | null };
  sliceThickness: {
    min: number | null;
    max: number | null;
    /** DICOM files with no usable thickness (absent, empty, or not one positive number). */
    missing: number;
    /** Of those, files where a value was present but not one positive finite number. */
    invalid: number;
    /** Files per thickness; keys are the shortest decimal form ("1.25", "5"). */
    histogram: Record<string, number>;
    /** Series per thickness (a series counts once per distinct thickness among its files). */
    seriesHistogram: Record<string, number>;
  };
  modalities: Record<string, number>;
  totalBytes: number;
  /** Files missing a key UID / ID (DICOM files only). */
  missingKeys: { PatientID: number; StudyInstanceUID: number; SeriesInstanceUID: number; SOPInstanceUID: number };
  lastIndexed: string | null;
  incomplete: boolean;
}

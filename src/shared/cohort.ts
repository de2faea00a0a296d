/**
 * A cohort: a filter over the index's series (one row of `series_geometry` per Series UID), shared
 * by the CLI (`dicom-index cohort`), the summary panel's Cohort section and the exports. Every field
 * is optional; an empty filter is every series.
 */
import type { Severity } from './checks';

export interface CohortFilter {
  /** Any of these modalities (exact, case-insensitive). */
  modality?: string[];
  /** The series' median SliceThickness, mm (inclusive). */
  minThickness?: number;
  maxThickness?: number;
  /** The measured median step between slices, mm (inclusive); series without geometry never match a bound. */
  minStep?: number;
  maxStep?: number;
  /** Images (frames of multi-frame objects counted), inclusive. */
  minImages?: number;
  maxImages?: number;
  /** Complete, regularly spaced volumes only (see the checks). */
  volumesOnly?: boolean;
  /** Every image's ImageType value 1 is ORIGINAL. */
  originalOnly?: boolean;
  /** Leave out series with a finding of this severity or worse. */
  excludeSeverity?: Severity;
  /** Substrings (case-insensitive) of Manufacturer, ConvolutionKernel, BodyPartExamined. */
  manufacturer?: string;
  kernel?: string;
  bodyPart?: string;
  /** A free SQL condition over the columns of `series_geometry` (read-only; one expression, no `;`). */
  where?: string;
}

export interface CohortCount {
  patients: number;
  studies: number;
  series: number;
  /** Images (frames counted) = slices. */
  images: number;
  files: number;
}

/** The columns of the index's `series_geometry` table, in order (what a cohort's free SQL condition may name). */
export const SERIES_GEOMETRY_COLUMNS = [
  'SeriesInstanceUID',
  'PatientID',
  'StudyInstanceUID',
  'Modality',
  'SeriesNumber',
  'SeriesDescription',
  'BodyPartExamined',
  'Manufacturer',
  'ManufacturerModelName',
  'ConvolutionKernel',
  'files',
  'images',
  'volume',
  'original',
  'ImageOrientationPatient',
  'Rows',
  'Columns',
  'PixelSpacing',
  'SliceThickness',
  'step_min',
  'step_median',
  'step_max',
  'spacing_note',
  'folder',
  'worst_severity',
  'findings',
] as const;

export type CohortFormat = 'csv' | 'json' | 'parquet';
export const COHORT_FORMATS: readonly CohortFormat[] = ['csv', 'json', 'parquet'];

/**
 * The dataset checks: names, severities and what they mean. Names and severities are a contract
 * (scripts read them from `dicom-index check --json` and from the index's tables): never rename one.
 */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
/** Higher is worse. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };

export interface CheckInfo {
  readonly severity: Severity;
  /** A short title for lists. */
  readonly title: string;
  /** When it fires, in a sentence. */
  readonly fires: string;
  /** What `count` counts, or null when the check has no count. */
  readonly counts: string | null;
}

const c = (severity: Severity, title: string, fires: string, counts: string | null): CheckInfo => ({ severity, title, fires, counts });

export const SERIES_CHECKS = {
  missing_slices: c('error', 'Missing slices', 'a step between neighbouring slices is more than 1.5 × the median step', 'slices missing'),
  duplicate_slices: c('error', 'Duplicate slices', 'two or more images are at one position (closer than 0.01 mm)', 'extra images'),
  irregular_spacing: c('warning', 'Irregular spacing', 'no slice is missing or doubled, but a step differs from the median by more than 1 %', 'steps off the median'),
  mixed_orientation: c('error', 'Mixed orientation', 'ImageOrientationPatient differs by more than 1e-3 between images', 'orientations'),
  mixed_size: c('error', 'Mixed image size', 'Rows or Columns differ between images', 'sizes'),
  mixed_pixel_spacing: c('error', 'Mixed pixel spacing', 'PixelSpacing differs by more than 1e-3 mm between images', 'pixel spacings'),
  mixed_thickness: c('warning', 'Mixed slice thickness', 'the images carry more than one SliceThickness', 'thicknesses'),
  thickness_spacing_mismatch: c('info', 'Thickness ≠ spacing', 'the median step differs from SliceThickness by more than 10 % (overlapping or gapped slices)', null),
  gantry_tilt: c('warning', 'Gantry tilt', 'the positions advance more than 0.5° off the slice normal', null),
  instance_number_gaps: c('info', 'Instance number gaps', 'the InstanceNumbers are not contiguous', 'numbers missing'),
  duplicate_instance_numbers: c('warning', 'Duplicate instance numbers', 'an InstanceNumber is used by more than one image', 'extra images'),
  localizer: c('info', 'Localizer', "ImageType value 3 is LOCALIZER (a scout, not a volume)", null),
  derived: c('info', 'Derived', 'ImageType value 1 is DERIVED (a reformat or other derived image)', null),
  no_geometry: c('warning', 'No geometry', 'an image lacks ImagePositionPatient or ImageOrientationPatient', 'images'),
  duplicate_sop_instance: c('warning', 'Duplicate SOP instance', 'one SOPInstanceUID is in more than one file of the series', 'extra files'),
} as const satisfies Record<string, CheckInfo>;

export const DATASET_CHECKS = {
  study_in_several_patients: c('warning', 'Study under several patients', 'one StudyInstanceUID is found under more than one PatientID', 'Study UIDs'),
  series_in_several_studies: c('warning', 'Series under several studies', 'one SeriesInstanceUID is found under more than one StudyInstanceUID', 'Series UIDs'),
} as const satisfies Record<string, CheckInfo>;

export type SeriesCheckName = keyof typeof SERIES_CHECKS;
export type DatasetCheckName = keyof typeof DATASET_CHECKS;
export type CheckName = SeriesCheckName | DatasetCheckName;

export const ALL_CHECKS: Readonly<Record<CheckName, CheckInfo>> = { ...SERIES_CHECKS, ...DATASET_CHECKS };
export const CHECK_NAMES = Object.keys(ALL_CHECKS) as CheckName[];
export const isCheckName = (s: string): s is CheckName => Object.prototype.hasOwnProperty.call(ALL_CHECKS, s);

export interface Finding {
  check: CheckName;
  severity: Severity;
  /** What the check counts (see `counts`); null for checks without a count. */
  count: number | null;
  /** The figures behind it, for people. */
  detail: string;
}

/** The worst severity among findings, or null. */
export function worstSeverity(findings: readonly { severity: Severity }[]): Severity | null {
  let worst: Severity | null = null;
  for (const f of findings) if (!worst || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}

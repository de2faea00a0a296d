/**
 * Summary statistics of an index: what `dicom-index stats` prints and the summary panel shows.
 * Counts are files; patients/studies/series are distinct non-empty keys; instances are the DICOM
 * files indexed (status ok or partial).
 */
import { IndexDatabase } from './db/database';

export interface Stats {
  patients: number;
  studies: number;
  series: number;
  instances: number;
  distinctSopInstances: number;
  /** SOPInstanceUIDs carried by more than one file. */
  duplicateSopInstances: number;
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

const num = (v: unknown) => (v == null ? 0 : Number(v));
const numOrNull = (v: unknown) => (v == null ? null : Number(v));
/** Histogram key: the shortest decimal form that reads back as the same number. */
export const thicknessKey = (x: number) => String(x);

export function computeStats(idx: IndexDatabase): Stats {
  const one = <T>(sql: string) => idx.all<T>(sql)[0];
  const files = one<Record<string, number>>(`
    SELECT COUNT(*) AS total,
      SUM(status = 'ok') AS ok, SUM(status = 'partial') AS partial,
      SUM(status = 'error') AS error, SUM(status = 'not_dicom') AS notDicom,
      SUM(size) AS bytes
    FROM files`);
  const keys = one<Record<string, number>>(`
    SELECT
      (SELECT COUNT(DISTINCT PatientID) FROM patient WHERE PatientID <> '') AS patients,
      (SELECT COUNT(DISTINCT StudyInstanceUID) FROM study WHERE StudyInstanceUID <> '') AS studies,
      (SELECT COUNT(DISTINCT SeriesInstanceUID) FROM series WHERE SeriesInstanceUID <> '') AS series`);
  const sop = one<Record<string, number>>(`
    SELECT COUNT(*) AS distinctSop, SUM(n > 1) AS duplicated FROM (
      SELECT COUNT(*) AS n FROM instance WHERE SOPInstanceUID IS NOT NULL AND SOPInstanceUID <> '' GROUP BY SOPInstanceUID)`);
  const perStudy = one<Record<string, number | null>>(`
    SELECT AVG(n) AS mean, MIN(n) AS min, MAX(n) AS max FROM (
      SELECT COUNT(*) AS n FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = se.study_id
      WHERE st.StudyInstanceUID <> '' GROUP BY st.StudyInstanceUID)`);
  const thick = one<Record<string, number | null>>(`
    SELECT MIN(SliceThickness) AS min, MAX(SliceThickness) AS max,
      SUM(SliceThickness IS NULL) AS missing, SUM(SliceThicknessInvalid IS NOT NULL) AS invalid
    FROM instance`);
  const histogram: Record<string, number> = {};
  for (const r of idx.all<{ t: number; n: number }>('SELECT SliceThickness AS t, COUNT(*) AS n FROM instance WHERE SliceThickness IS NOT NULL GROUP BY t ORDER BY t'))
    histogram[thicknessKey(r.t)] = r.n;
  const seriesHistogram: Record<string, number> = {};
  for (const r of idx.all<{ t: number; n: number }>(
    'SELECT t, COUNT(*) AS n FROM (SELECT DISTINCT series_id, SliceThickness AS t FROM instance WHERE SliceThickness IS NOT NULL) GROUP BY t ORDER BY t',
  ))
    seriesHistogram[thicknessKey(r.t)] = r.n;
  const modalities: Record<string, number> = {};
  for (const r of idx.all<{ m: string; n: number }>("SELECT COALESCE(se.Modality, '') AS m, COUNT(*) AS n FROM instance i JOIN series se ON se.id = i.series_id GROUP BY m ORDER BY n DESC, m"))
    modalities[r.m] = r.n;
  const missing = one<Record<string, number>>(`
    SELECT SUM(p.PatientID = '') AS PatientID, SUM(st.StudyInstanceUID = '') AS StudyInstanceUID,
      SUM(se.SeriesInstanceUID = '') AS SeriesInstanceUID, SUM(COALESCE(i.SOPInstanceUID, '') = '') AS SOPInstanceUID
    FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = se.study_id JOIN patient p ON p.id = st.patient_id`);
  return {
    patients: num(keys.patients),
    studies: num(keys.studies),
    series: num(keys.series),
    instances: num(files.ok) + num(files.partial),
    distinctSopInstances: num(sop.distinctSop),
    duplicateSopInstances: num(sop.duplicated),
    files: { total: num(files.total), ok: num(files.ok), partial: num(files.partial), error: num(files.error), notDicom: num(files.notDicom) },
    instancesPerStudy: { mean: numOrNull(perStudy.mean), min: numOrNull(perStudy.min), max: numOrNull(perStudy.max) },
    sliceThickness: { min: numOrNull(thick.min), max: numOrNull(thick.max), missing: num(thick.missing), invalid: num(thick.invalid), histogram, seriesHistogram },
    modalities,
    totalBytes: num(files.bytes),
    missingKeys: {
      PatientID: num(missing.PatientID),
      StudyInstanceUID: num(missing.StudyInstanceUID),
      SeriesInstanceUID: num(missing.SeriesInstanceUID),
      SOPInstanceUID: num(missing.SOPInstanceUID),
    },
    lastIndexed: idx.getMeta('last_indexed') ?? null,
    incomplete: idx.getMeta('incomplete') === 'true',
  };
}

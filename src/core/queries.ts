/**
 * The queries behind the tree view and the summary panel's series table, one level at a time
 * (children are built lazily). Pure SQL over the index: the benchmark measures exactly these.
 */
import { IndexDatabase } from './db/database';

export interface PatientRow {
  id: number;
  PatientID: string;
  PatientName: string | null;
  studies: number;
  instances: number;
}
export interface StudyRow {
  id: number;
  StudyInstanceUID: string;
  StudyDate: string | null;
  StudyDescription: string | null;
  AccessionNumber: string | null;
  series: number;
  instances: number;
}
export interface SeriesRow {
  id: number;
  SeriesInstanceUID: string;
  SeriesNumber: number | null;
  SeriesDescription: string | null;
  Modality: string | null;
  instances: number;
  /** Distinct slice thicknesses, ascending, joined by `\`. */
  thicknesses: string | null;
  minThickness: number | null;
  spacing: number | null;
  rows: number | null;
  columns: number | null;
}
export interface InstanceRow {
  fileId: number;
  path: string;
  status: string;
  InstanceNumber: number | null;
  SOPInstanceUID: string | null;
  SliceLocation: number | null;
}
export interface ProblemRow {
  fileId: number;
  path: string;
  status: 'partial' | 'error' | 'not_dicom';
  error: string | null;
}

const PATH = "CASE WHEN d.path = '' THEN f.name ELSE d.path || '/' || f.name END";

export function listPatients(idx: IndexDatabase): PatientRow[] {
  return idx.all<PatientRow>(`
    SELECT p.id, p.PatientID, p.PatientName,
      (SELECT COUNT(*) FROM study st WHERE st.patient_id = p.id) AS studies,
      (SELECT COUNT(*) FROM study st JOIN series se ON se.study_id = st.id JOIN instance i ON i.series_id = se.id WHERE st.patient_id = p.id) AS instances
    FROM patient p
    ORDER BY p.PatientID = '', COALESCE(NULLIF(p.PatientName, ''), p.PatientID) COLLATE NOCASE, p.PatientID`);
}

export function listStudies(idx: IndexDatabase, patientId: number): StudyRow[] {
  return idx.all<StudyRow>(
    `SELECT st.id, st.StudyInstanceUID, st.StudyDate, st.StudyDescription, st.AccessionNumber,
       (SELECT COUNT(*) FROM series se WHERE se.study_id = st.id) AS series,
       (SELECT COUNT(*) FROM series se JOIN instance i ON i.series_id = se.id WHERE se.study_id = st.id) AS instances
     FROM study st WHERE st.patient_id = ?
     ORDER BY st.StudyInstanceUID = '', st.StudyDate IS NULL OR st.StudyDate = '', st.StudyDate, st.StudyDescription, st.StudyInstanceUID`,
    [patientId],
  );
}

export function listSeries(idx: IndexDatabase, studyId: number): SeriesRow[] {
  return idx.all<SeriesRow>(
    `SELECT se.id, se.SeriesInstanceUID, se.SeriesNumber, se.SeriesDescription, se.Modality,
       COUNT(i.file_id) AS instances,
       (SELECT GROUP_CONCAT(t, '\\') FROM (SELECT DISTINCT SliceThickness AS t FROM instance WHERE series_id = se.id AND SliceThickness IS NOT NULL ORDER BY t)) AS thicknesses,
       MIN(i.SliceThickness) AS minThickness, MIN(i.SpacingBetweenSlices) AS spacing, MAX(i.Rows) AS rows, MAX(i.Columns) AS columns
     FROM series se LEFT JOIN instance i ON i.series_id = se.id
     WHERE se.study_id = ?
     GROUP BY se.id
     ORDER BY se.SeriesNumber IS NULL, se.SeriesNumber, se.SeriesDescription, se.SeriesInstanceUID`,
    [studyId],
  );
}

export function listInstances(idx: IndexDatabase, seriesId: number): InstanceRow[] {
  return idx.all<InstanceRow>(
    `SELECT f.id AS fileId, ${PATH} AS path, f.status, i.InstanceNumber, i.SOPInstanceUID, i.SliceLocation
     FROM instance i JOIN files f ON f.id = i.file_id JOIN dirs d ON d.id = f.dir_id
     WHERE i.series_id = ?
     ORDER BY i.InstanceNumber IS NULL, i.InstanceNumber, f.name`,
    [seriesId],
  );
}

export function listProblems(idx: IndexDatabase, limit = 10_000): ProblemRow[] {
  return idx.all<ProblemRow>(
    `SELECT f.id AS fileId, ${PATH} AS path, f.status, f.error
     FROM files f JOIN dirs d ON d.id = f.dir_id
     WHERE f.status <> 'ok'
     ORDER BY f.status, path LIMIT ?`,
    [limit],
  );
}

export interface SeriesTableRow {
  seriesId: number;
  SeriesInstanceUID: string;
  PatientID: string;
  PatientName: string | null;
  StudyInstanceUID: string;
  StudyDate: string | null;
  Modality: string | null;
  SeriesNumber: number | null;
  SeriesDescription: string | null;
  images: number;
  thicknesses: string | null;
  spacing: number | null;
  rows: number | null;
  columns: number | null;
}

/** Every series with its patient and study: the summary panel's table and the Excel Series sheet. */
export function seriesTable(idx: IndexDatabase, limit = 100_000): SeriesTableRow[] {
  return idx.all<SeriesTableRow>(
    `SELECT se.id AS seriesId, se.SeriesInstanceUID, p.PatientID, p.PatientName, st.StudyInstanceUID, st.StudyDate,
       se.Modality, se.SeriesNumber, se.SeriesDescription, COUNT(i.file_id) AS images,
       (SELECT GROUP_CONCAT(t, '\\') FROM (SELECT DISTINCT SliceThickness AS t FROM instance WHERE series_id = se.id AND SliceThickness IS NOT NULL ORDER BY t)) AS thicknesses,
       MIN(i.SpacingBetweenSlices) AS spacing, MAX(i.Rows) AS rows, MAX(i.Columns) AS columns
     FROM series se JOIN study st ON st.id = se.study_id JOIN patient p ON p.id = st.patient_id
     LEFT JOIN instance i ON i.series_id = se.id
     GROUP BY se.id
     ORDER BY p.PatientID, st.StudyDate, se.SeriesNumber
     LIMIT ?`,
    [limit],
  );
}

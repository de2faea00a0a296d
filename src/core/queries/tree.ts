/**
 * The DICOM tree's SQL (used by the extension's tree view and measured by the benchmark): one query per level, grouped and counted in SQLite, run lazily when a node is
 * expanded. Each level can also be asked for one row by id (TreeView.reveal builds a node's parents).
 */
import type { SqlValue } from 'sql.js';
import type { IndexDatabase } from '../db/database';
import { REL_PATH_SQL } from '../db/schema';

/** Natural order: LIDC-IDRI-2 before LIDC-IDRI-10. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export interface TreePatient {
  id: number;
  PatientID: string;
  /** The first-seen file's name; `names` says how many different names its files carry. */
  PatientName: string | null;
  names: number;
  studies: number;
}
export interface TreeStudy {
  id: number;
  patientId: number;
  StudyInstanceUID: string;
  StudyDate: string | null;
  StudyDescription: string | null;
  /** Distinct sets of study attributes among its files (more than 1: they disagree). */
  variants: number;
  series: number;
  images: number;
}
export interface TreeSeries {
  id: number;
  studyId: number;
  SeriesInstanceUID: string;
  SeriesNumber: number | null;
  Modality: string | null;
  SeriesDescription: string | null;
  /** Distinct sets of series attributes among its files (more than 1: they disagree). */
  variants: number;
  images: number;
  thicknessMin: number | null;
  thicknessMax: number | null;
}
export interface TreeInstance {
  fileId: number;
  seriesId: number;
  InstanceNumber: number | null;
  SOPInstanceUID: string | null;
  path: string;
  status: string;
}
export interface TreeProblem {
  fileId: number;
  path: string;
  status: string;
  error: string | null;
}

const PATH = REL_PATH_SQL;

export function patients(idx: IndexDatabase, id?: number): TreePatient[] {
  const rows = idx.all<TreePatient>(
    `SELECT p.id, p.PatientID, p.PatientName, (SELECT COUNT(DISTINCT COALESCE(a.PatientName, '')) FROM patient_attrs a WHERE a.patient_id = p.id) AS names,
       (SELECT COUNT(*) FROM study_key st WHERE st.patient_id = p.id) AS studies
     FROM patient p ${id === undefined ? '' : 'WHERE p.id = ?'}`,
    id === undefined ? [] : [id],
  );
  // Natural order by name, then ID (LIDC-IDRI-2 before LIDC-IDRI-10); patients without a name last.
  return rows.sort((a, b) => (a.PatientName ? 0 : 1) - (b.PatientName ? 0 : 1) || collator.compare(a.PatientName ?? '', b.PatientName ?? '') || collator.compare(a.PatientID, b.PatientID));
}

export function studies(idx: IndexDatabase, where: { patientId?: number; id?: number }): TreeStudy[] {
  const [cond, param] = where.id !== undefined ? ['st.id = ?', where.id] : ['st.patient_id = ?', where.patientId!];
  return idx.all<TreeStudy>(
    `SELECT st.id, st.patient_id AS patientId, st.StudyInstanceUID, st.StudyDate, st.StudyDescription, st.variants,
       (SELECT COUNT(*) FROM series_key se WHERE se.study_id = st.id) AS series,
       (SELECT COUNT(*) FROM series_key se JOIN instance i ON i.series_id = se.id WHERE se.study_id = st.id) AS images
     FROM study st
     WHERE ${cond}
     ORDER BY st.StudyDate IS NULL OR st.StudyDate = '', st.StudyDate, st.StudyDescription, st.StudyInstanceUID`,
    [param as SqlValue],
  );
}

export function series(idx: IndexDatabase, where: { studyId?: number; id?: number }): TreeSeries[] {
  const [cond, param] = where.id !== undefined ? ['se.id = ?', where.id] : ['se.study_id = ?', where.studyId!];
  return idx.all<TreeSeries>(
    `SELECT se.id, se.study_id AS studyId, se.SeriesInstanceUID, se.SeriesNumber, se.Modality, se.SeriesDescription, se.variants,
       (SELECT COUNT(*) FROM instance i WHERE i.series_id = se.id) AS images,
       (SELECT MIN(i.SliceThickness) FROM instance i WHERE i.series_id = se.id) AS thicknessMin,
       (SELECT MAX(i.SliceThickness) FROM instance i WHERE i.series_id = se.id) AS thicknessMax
     FROM series se
     WHERE ${cond}
     ORDER BY se.SeriesNumber IS NULL, se.SeriesNumber, se.SeriesDescription, se.SeriesInstanceUID`,
    [param as SqlValue],
  );
}

export function instances(idx: IndexDatabase, where: { seriesId?: number; fileId?: number }): TreeInstance[] {
  const [cond, param] = where.fileId !== undefined ? ['i.file_id = ?', where.fileId] : ['i.series_id = ?', where.seriesId!];
  const rows = idx.all<TreeInstance>(
    `SELECT i.file_id AS fileId, i.series_id AS seriesId, i.InstanceNumber, i.SOPInstanceUID, ${PATH} AS path, f.status
     FROM instance i JOIN files f ON f.id = i.file_id JOIN dirs d ON d.id = f.dir_id WHERE ${cond}`,
    [param as SqlValue],
  );
  // InstanceNumber (missing last), then the path in natural order.
  return rows.sort((a, b) => {
    if (a.InstanceNumber !== b.InstanceNumber) {
      if (a.InstanceNumber === null) return 1;
      if (b.InstanceNumber === null) return -1;
      return a.InstanceNumber - b.InstanceNumber;
    }
    return collator.compare(a.path, b.path);
  });
}

export const PROBLEM_LIMIT = 2000;

export function problemCount(idx: IndexDatabase): number {
  return Number(idx.scalar("SELECT COUNT(*) FROM files WHERE status <> 'ok'") ?? 0);
}

export function problems(idx: IndexDatabase, limit = PROBLEM_LIMIT): TreeProblem[] {
  return idx.all<TreeProblem>(
    `SELECT f.id AS fileId, ${PATH} AS path, f.status, f.error FROM files f JOIN dirs d ON d.id = f.dir_id
     WHERE f.status <> 'ok' ORDER BY f.status = 'partial', path LIMIT ?`,
    [limit],
  );
}

export function imageCount(idx: IndexDatabase): number {
  return Number(idx.scalar("SELECT COUNT(*) FROM files WHERE status IN ('ok', 'partial')") ?? 0);
}

/** The ids on the way to a series (for reveal). */
export function seriesByUid(idx: IndexDatabase, uid: string): { patientId: number; studyId: number; seriesId: number } | undefined {
  return idx.all<{ patientId: number; studyId: number; seriesId: number }>(
    `SELECT st.patient_id AS patientId, st.id AS studyId, se.id AS seriesId FROM series_key se JOIN study_key st ON st.id = se.study_id
     WHERE se.SeriesInstanceUID = ? LIMIT 1`,
    [uid],
  )[0];
}

/** Series summary for the series tooltip. */
export function seriesDetails(idx: IndexDatabase, seriesId: number): Record<string, SqlValue> {
  return idx.all(
    `WITH se AS (SELECT * FROM series WHERE id = ?1)
     SELECT se.Modality, se.SeriesNumber, se.SeriesDescription, se.SeriesInstanceUID, se.BodyPartExamined, se.Manufacturer, se.ManufacturerModelName, se.variants,
       COUNT(i.file_id) AS images, SUM(COALESCE(i.NumberOfFrames, 1)) AS frames,
       MIN(i.InstanceNumber) AS firstInstance, MAX(i.InstanceNumber) AS lastInstance,
       MIN(i.SliceThickness) AS thicknessMin, MAX(i.SliceThickness) AS thicknessMax, SUM(i.SliceThickness IS NULL) AS thicknessMissing,
       MIN(i.SpacingBetweenSlices) AS spacingMin, MAX(i.SpacingBetweenSlices) AS spacingMax,
       MIN(i.SliceLocation) AS locationMin, MAX(i.SliceLocation) AS locationMax,
       MIN(i.Rows) AS rowsMin, MAX(i.Rows) AS rowsMax, MIN(i.Columns) AS colsMin, MAX(i.Columns) AS colsMax,
       MIN(i.PixelSpacing) AS pixelSpacing, COUNT(DISTINCT i.PixelSpacing) AS pixelSpacings,
       MIN(i.ConvolutionKernel) AS kernel, COUNT(DISTINCT i.ConvolutionKernel) AS kernels,
       SUM(f.status = 'partial') AS partial, SUM(f.size) AS bytes
     FROM se LEFT JOIN instance i ON i.series_id = se.id LEFT JOIN files f ON f.id = i.file_id
     GROUP BY se.id`,
    [seriesId],
  )[0];
}

/** Study summary for the study tooltip. */
export function studyDetails(idx: IndexDatabase, studyId: number): { study: Record<string, SqlValue>; series: Record<string, SqlValue>[] } {
  const study = idx.all(
    `WITH st AS (SELECT * FROM study WHERE id = ?1)
     SELECT st.StudyInstanceUID, st.StudyDate, st.StudyDescription, st.AccessionNumber, st.variants,
       COUNT(DISTINCT se.id) AS series, COUNT(i.file_id) AS images,
       (SELECT GROUP_CONCAT(DISTINCT a.Modality) FROM series_key k JOIN series_attrs a ON a.series_id = k.id WHERE k.study_id = ?1) AS modalities,
       MIN(i.SliceThickness) AS thicknessMin, MAX(i.SliceThickness) AS thicknessMax, SUM(f.size) AS bytes
     FROM st LEFT JOIN series_key se ON se.study_id = st.id LEFT JOIN instance i ON i.series_id = se.id LEFT JOIN files f ON f.id = i.file_id
     GROUP BY st.id`,
    [studyId],
  )[0];
  const rows = series(idx, { studyId }).map((r) => ({ ...r }) as unknown as Record<string, SqlValue>);
  return { study, series: rows };
}

/** Patient summary for the patient tooltip. */
export function patientDetails(idx: IndexDatabase, patientId: number): Record<string, SqlValue> {
  return idx.all(
    `WITH p AS (SELECT * FROM patient WHERE id = ?1)
     SELECT p.PatientID, p.PatientName, p.PatientSex, p.PatientBirthDate, p.variants,
       -- PatientAge belongs to each study: the oldest age recorded (the latest study's, as a rule).
       (SELECT MAX(NULLIF(a.PatientAge, '')) FROM study_key k JOIN study_attrs a ON a.study_id = k.id WHERE k.patient_id = ?1) AS PatientAge,
       COUNT(DISTINCT st.id) AS studies, COUNT(DISTINCT se.id) AS series, COUNT(i.file_id) AS images,
       (SELECT MIN(NULLIF(a.StudyDate, '')) FROM study_key k JOIN study_attrs a ON a.study_id = k.id WHERE k.patient_id = ?1) AS firstDate,
       (SELECT MAX(NULLIF(a.StudyDate, '')) FROM study_key k JOIN study_attrs a ON a.study_id = k.id WHERE k.patient_id = ?1) AS lastDate
     FROM p LEFT JOIN study_key st ON st.patient_id = p.id LEFT JOIN series_key se ON se.study_id = st.id LEFT JOIN instance i ON i.series_id = se.id
     GROUP BY p.id`,
    [patientId],
  )[0];
}

/**
 * The DICOM tree's SQL (used by the extension's tree view and measured by the benchmark): one query per level, grouped and counted in SQLite, run lazily when a node is
 * expanded. Each level can also be asked for one row by id (TreeView.reveal builds a node's parents).
 */
import { REL_PATH_SQL } from '../db/schema';
import { distinctList, records, SqlParam } from '../store/queryStore';
import { asStore, StoreLike } from '../store/source';

/** An index: the SQLite file's database, or any store (PostgreSQL). */
type Source = StoreLike;
type Row = Record<string, SqlParam>;

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

export async function patients(source: Source, id?: number): Promise<TreePatient[]> {
  const rows = await records<TreePatient>(
    asStore(source),
    `SELECT p.id, p.PatientID, p.PatientName, (SELECT COUNT(DISTINCT COALESCE(a.PatientName, '')) FROM patient_attrs a WHERE a.patient_id = p.id) AS names,
       (SELECT COUNT(*) FROM study_key st WHERE st.patient_id = p.id) AS studies
     FROM patient p ${id === undefined ? '' : 'WHERE p.id = ?'}`,
    id === undefined ? [] : [id],
    ['id', 'PatientID', 'PatientName', 'names', 'studies'],
  );
  // Natural order by name, then ID (LIDC-IDRI-2 before LIDC-IDRI-10); patients without a name last.
  return rows.sort((a, b) => (a.PatientName ? 0 : 1) - (b.PatientName ? 0 : 1) || collator.compare(a.PatientName ?? '', b.PatientName ?? '') || collator.compare(a.PatientID, b.PatientID));
}

export async function studies(source: Source, where: { patientId?: number; id?: number }): Promise<TreeStudy[]> {
  const [cond, param] = where.id !== undefined ? ['st.id = ?', where.id] : ['st.patient_id = ?', where.patientId!];
  return records<TreeStudy>(
    asStore(source),
    `SELECT st.id, st.patient_id AS patientId, st.StudyInstanceUID, st.StudyDate, st.StudyDescription, st.variants,
       (SELECT COUNT(*) FROM series_key se WHERE se.study_id = st.id) AS series,
       (SELECT COUNT(*) FROM series_key se JOIN instance i ON i.series_id = se.id WHERE se.study_id = st.id) AS images
     FROM study st
     WHERE ${cond}
     ORDER BY st.StudyDate IS NULL OR st.StudyDate = '', st.StudyDate, st.StudyDescription, st.StudyInstanceUID`,
    [param],
    ['id', 'patientId', 'StudyInstanceUID', 'StudyDate', 'StudyDescription', 'variants', 'series', 'images'],
  );
}

export async function series(source: Source, where: { studyId?: number; id?: number }): Promise<TreeSeries[]> {
  const [cond, param] = where.id !== undefined ? ['se.id = ?', where.id] : ['se.study_id = ?', where.studyId!];
  return records<TreeSeries>(
    asStore(source),
    `SELECT se.id, se.study_id AS studyId, se.SeriesInstanceUID, se.SeriesNumber, se.Modality, se.SeriesDescription, se.variants,
       (SELECT COUNT(*) FROM instance i WHERE i.series_id = se.id) AS images,
       (SELECT MIN(i.SliceThickness) FROM instance i WHERE i.series_id = se.id) AS thicknessMin,
       (SELECT MAX(i.SliceThickness) FROM instance i WHERE i.series_id = se.id) AS thicknessMax
     FROM series se
     WHERE ${cond}
     ORDER BY se.SeriesNumber IS NULL, se.SeriesNumber, se.SeriesDescription, se.SeriesInstanceUID`,
    [param],
    ['id', 'studyId', 'SeriesInstanceUID', 'SeriesNumber', 'Modality', 'SeriesDescription', 'variants', 'images', 'thicknessMin', 'thicknessMax'],
  );
}

export async function instances(source: Source, where: { seriesId?: number; fileId?: number }): Promise<TreeInstance[]> {
  const [cond, param] = where.fileId !== undefined ? ['i.file_id = ?', where.fileId] : ['i.series_id = ?', where.seriesId!];
  const rows = await records<TreeInstance>(
    asStore(source),
    `SELECT i.file_id, i.series_id, i.InstanceNumber, i.SOPInstanceUID, ${PATH} AS path, f.status
     FROM instance i JOIN files f ON f.id = i.file_id JOIN dirs d ON d.id = f.dir_id WHERE ${cond}`,
    [param],
    ['fileId', 'seriesId', 'InstanceNumber', 'SOPInstanceUID', 'path', 'status'],
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

const count = async (source: Source, sql: string) => Number((await asStore(source).rows(sql))[0]?.[0] ?? 0);

export function problemCount(source: Source): Promise<number> {
  return count(source, "SELECT COUNT(*) FROM files WHERE status <> 'ok'");
}

export function problems(source: Source, limit = PROBLEM_LIMIT): Promise<TreeProblem[]> {
  return records<TreeProblem>(
    asStore(source),
    `SELECT f.id, ${PATH} AS path, f.status, f.error FROM files f JOIN dirs d ON d.id = f.dir_id
     WHERE f.status <> 'ok' ORDER BY f.status = 'partial', path LIMIT ?`,
    [limit],
    ['fileId', 'path', 'status', 'error'],
  );
}

export function imageCount(source: Source): Promise<number> {
  return count(source, "SELECT COUNT(*) FROM files WHERE status IN ('ok', 'partial')");
}

/** The ids on the way to a series (for reveal). */
export async function seriesByUid(source: Source, uid: string): Promise<{ patientId: number; studyId: number; seriesId: number } | undefined> {
  const rows = await records<{ patientId: number; studyId: number; seriesId: number }>(
    asStore(source),
    `SELECT st.patient_id, st.id, se.id FROM series_key se JOIN study_key st ON st.id = se.study_id
     WHERE se.SeriesInstanceUID = ? LIMIT 1`,
    [uid],
    ['patientId', 'studyId', 'seriesId'],
  );
  return rows[0];
}

/** Series summary for the series tooltip. */
/** One row of named columns (`expr AS name`, the names as the callers spell them). */
async function namedRow(source: Source, columns: readonly string[], from: string, params: readonly SqlParam[]): Promise<Row> {
  const names = columns.map((c) => c.slice(c.lastIndexOf(' AS ') + 4));
  const rows = await records<Row>(asStore(source), `SELECT ${columns.join(', ')} ${from}`, params, names);
  return rows[0];
}

export function seriesDetails(source: Source, seriesId: number): Promise<Row> {
  return namedRow(
    source,
    [
      ...['Modality', 'SeriesNumber', 'SeriesDescription', 'SeriesInstanceUID', 'BodyPartExamined', 'Manufacturer', 'ManufacturerModelName', 'variants'].map((c) => `se.${c} AS ${c}`),
      'COUNT(i.file_id) AS images', 'SUM(COALESCE(i.NumberOfFrames, 1)) AS frames',
      'MIN(i.InstanceNumber) AS firstInstance', 'MAX(i.InstanceNumber) AS lastInstance',
      'MIN(i.SliceThickness) AS thicknessMin', 'MAX(i.SliceThickness) AS thicknessMax', 'SUM(CASE WHEN i.SliceThickness IS NULL THEN 1 ELSE 0 END) AS thicknessMissing',
      'MIN(i.SpacingBetweenSlices) AS spacingMin', 'MAX(i.SpacingBetweenSlices) AS spacingMax',
      'MIN(i.SliceLocation) AS locationMin', 'MAX(i.SliceLocation) AS locationMax',
      'MIN(i.Rows) AS rowsMin', 'MAX(i.Rows) AS rowsMax', 'MIN(i.Columns) AS colsMin', 'MAX(i.Columns) AS colsMax',
      'MIN(i.PixelSpacing) AS pixelSpacing', 'COUNT(DISTINCT i.PixelSpacing) AS pixelSpacings',
      'MIN(i.ConvolutionKernel) AS kernel', 'COUNT(DISTINCT i.ConvolutionKernel) AS kernels',
      "SUM(CASE WHEN f.status = 'partial' THEN 1 ELSE 0 END) AS partial", 'SUM(f.size) AS bytes',
    ],
    `FROM series se LEFT JOIN instance i ON i.series_id = se.id LEFT JOIN files f ON f.id = i.file_id
     WHERE se.id = ?
     GROUP BY ${['id', 'Modality', 'SeriesNumber', 'SeriesDescription', 'SeriesInstanceUID', 'BodyPartExamined', 'Manufacturer', 'ManufacturerModelName', 'variants'].map((c) => `se.${c}`).join(', ')}`,
    [seriesId],
  );
}

/** Study summary for the study tooltip. */
export async function studyDetails(source: Source, studyId: number): Promise<{ study: Row; series: Row[] }> {
  const cols = ['StudyInstanceUID', 'StudyDate', 'StudyDescription', 'AccessionNumber', 'variants'];
  const store = asStore(source);
  const study = await namedRow(
    store,
    [
      ...cols.map((c) => `st.${c} AS ${c}`),
      'COUNT(DISTINCT se.id) AS series', 'COUNT(i.file_id) AS images',
      `(SELECT ${distinctList(store.dialect, 'a.Modality')} FROM series_key k JOIN series_attrs a ON a.series_id = k.id WHERE k.study_id = st.id) AS modalities`,
      'MIN(i.SliceThickness) AS thicknessMin', 'MAX(i.SliceThickness) AS thicknessMax', 'SUM(f.size) AS bytes',
    ],
    `FROM study st LEFT JOIN series_key se ON se.study_id = st.id LEFT JOIN instance i ON i.series_id = se.id LEFT JOIN files f ON f.id = i.file_id
     WHERE st.id = ?
     GROUP BY st.id, ${cols.map((c) => `st.${c}`).join(', ')}`,
    [studyId],
  );
  const rows = (await series(store, { studyId })).map((r) => ({ ...r }) as unknown as Row);
  return { study, series: rows };
}

/** Patient summary for the patient tooltip. */
export function patientDetails(source: Source, patientId: number): Promise<Row> {
  const cols = ['PatientID', 'PatientName', 'PatientSex', 'PatientBirthDate', 'variants'];
  const ofStudies = (expr: string) => `(SELECT ${expr} FROM study_key k JOIN study_attrs a ON a.study_id = k.id WHERE k.patient_id = p.id)`;
  return namedRow(
    source,
    [
      ...cols.map((c) => `p.${c} AS ${c}`),
      // PatientAge belongs to each study: the oldest age recorded (the latest study's, as a rule).
      `${ofStudies("MAX(NULLIF(a.PatientAge, ''))")} AS PatientAge`,
      'COUNT(DISTINCT st.id) AS studies', 'COUNT(DISTINCT se.id) AS series', 'COUNT(i.file_id) AS images',
      `${ofStudies("MIN(NULLIF(a.StudyDate, ''))")} AS firstDate`,
      `${ofStudies("MAX(NULLIF(a.StudyDate, ''))")} AS lastDate`,
    ],
    `FROM patient p LEFT JOIN study_key st ON st.patient_id = p.id LEFT JOIN series_key se ON se.study_id = st.id LEFT JOIN instance i ON i.series_id = se.id
     WHERE p.id = ?
     GROUP BY p.id, ${cols.map((c) => `p.${c}`).join(', ')}`,
    [patientId],
  );
}
